export type Listener<T> = (value: T) => void;
export declare class Emitter<Events extends object> {
    private readonly listeners;
    /** Calls listener on every `event`; returns a function that removes it. */
    on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void;
    /** Calls listener on the next `event` only. */
    once<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void;
    off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void;
    /**
     * Calls every listener of `event`. A listener that throws does not stop
     * the others nor the client: the exception is rethrown asynchronously so
     * that it still surfaces (uncaught error in the console / process).
     */
    protected emit<K extends keyof Events>(event: K, value: Events[K]): void;
}
