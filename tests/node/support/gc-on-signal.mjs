// Preloaded into a child server (`node --expose-gc --import this`): SIGUSR2 runs a full garbage
// collection, so a test can read the memory the server holds rather than garbage not yet
// collected (V8 collects ArrayBuffers lazily: a busy echo server carries megabytes of them).
process.on('SIGUSR2', () => globalThis.gc?.());
