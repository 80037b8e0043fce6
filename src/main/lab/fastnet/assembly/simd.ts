// a * b + c, fused where the module is built with relaxed SIMD (../../../../../scripts/build-fastnet.ts
// builds both): ASC_FEATURE_RELAXED_SIMD is a compile-time constant, so each build keeps one branch.
// Fused rounds once instead of twice: results move by float rounding only (the tests' tolerances).
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c)
  return f32x4.add(c, f32x4.mul(a, b))
}

/**
 * A register block's first `vectors` accumulators (1-4) to p, p + 16, ...: `vectors` is a
 * compile-time constant at every call, so the stores it leaves out are not compiled.
 */
@inline export function storeVectors(p: usize, vectors: i32, a0: v128, a1: v128, a2: v128, a3: v128): void {
  v128.store(p, a0)
  if (vectors > 1) v128.store(p, a1, 16)
  if (vectors > 2) v128.store(p, a2, 32)
  if (vectors > 3) v128.store(p, a3, 48)
}
