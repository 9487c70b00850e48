// Compile-time assertions for the usage files.

/** True when A and B are the same type (not merely assignable). */
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Fails to compile unless `T` is `true`. */
export function assertType<T extends true>(): void {}

/** Fails to compile unless `value` is assignable to `T`. */
export function expectType<T>(value: T): T {
  return value;
}
