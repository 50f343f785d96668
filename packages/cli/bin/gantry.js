#!/usr/bin/env node
// The installed `gantry` command. A committed file rather than `dist/bin.js` itself, so package managers can
// link it at install time in a fresh clone, before the first build has produced `dist/`.
import "../dist/bin.js";
