package tsclient

import "embed"

// Dist holds the built ES modules of the client (dist/*.js) as committed;
// `npm run check-dist` fails when they differ from a build of src/. The
// browser entry is dist/index.js; it imports only its sibling files.
//
//go:embed dist/*.js
var Dist embed.FS
