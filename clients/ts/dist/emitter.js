// A small typed event emitter (no dependency on Node's EventEmitter or the
// DOM's EventTarget, so the same module runs in both).
export class Emitter {
    listeners = new Map();
    /** Calls listener on every `event`; returns a function that removes it. */
    on(event, listener) {
        let set = this.listeners.get(event);
        if (!set) {
            set = new Set();
            this.listeners.set(event, set);
        }
        set.add(listener);
        return () => this.off(event, listener);
    }
    /** Calls listener on the next `event` only. */
    once(event, listener) {
        const off = this.on(event, (v) => {
            off();
            listener(v);
        });
        return off;
    }
    off(event, listener) {
        this.listeners.get(event)?.delete(listener);
    }
    /**
     * Calls every listener of `event`. A listener that throws does not stop
     * the others nor the client: the exception is rethrown asynchronously so
     * that it still surfaces (uncaught error in the console / process).
     */
    emit(event, value) {
        const set = this.listeners.get(event);
        if (!set)
            return;
        for (const l of [...set]) {
            try {
                l(value);
            }
            catch (e) {
                queueMicrotask(() => {
                    throw e;
                });
            }
        }
    }
}
