// Loads the wasm bundle; its start function mounts the app on <body>.
import init from './gocua_ui.js';
init();
