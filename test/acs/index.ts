// The scriptable test ACS used by every integration test. See README.md in this folder.
export * from './test-acs.js';
export * from './connection-request.js';
