// Public face of the session engine.
export * from './machine.js';
export * from './runner.js';
export * from './events.js';
export * from './retry.js';
export * from './periodic.js';
