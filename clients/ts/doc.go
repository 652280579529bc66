// Package tsclient embeds the built browser module of the TypeScript client
// library (@linkup-chat/client, sources in src/) so that the linkup binary
// can serve it to browser pages: import "./index.js" from a page served
// next to the files of Dist's dist/ directory.
package tsclient
