// Counts calls of the wasm module's exports. Import it before anything that loads the package:
// it wraps `WebAssembly.Instance`, so the instance the package makes hands out counting exports.
export const calls = new Map();

const Instance = WebAssembly.Instance;
WebAssembly.Instance = function CountingInstance(module, imports) {
  const instance = new Instance(module, imports);
  const exports = {};
  for (const [name, value] of Object.entries(instance.exports)) {
    // Not counted: `__wbg_*_free`, which wasm-bindgen's FinalizationRegistry calls whenever the
    // garbage collector finds an earlier test's connection, not because of the work measured.
    const counts = typeof value === 'function' && !/^__wbg_.*_free$/.test(name);
    exports[name] = !counts ? value : function counted(...args) {
      calls.set(name, (calls.get(name) ?? 0) + 1);
      return value.apply(this, args);
    };
  }
  return { exports };
};
