// Bounding a connect attempt in time, for every runtime's connectWS.

/**
 * `promise`, or a rejection after `seconds` (0: no limit). A value that arrives after the
 * timeout fired is not wanted any more: `discard(value)` disposes of it (closes the socket).
 */
export function withTimeout(promise, seconds, what, discard) {
  if (!(seconds > 0)) return promise;
  let timer;
  let timedOut = false;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new Error(`timeout after ${seconds} s ${what}`));
    }, seconds * 1000);
  });
  promise.then((value) => { if (timedOut) discard(value); }, () => {});
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
