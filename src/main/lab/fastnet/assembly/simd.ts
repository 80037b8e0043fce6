// a * b + c, fused where the module is built with relaxed SIMD (../../../../../scripts/build-fastnet.ts
// builds both): ASC_FEATURE_RELAXED_SIMD is a compile-time constant, so each build keeps one branch.
// Fused rounds once instead of twice: results move by float rounding only (the tests' tolerances).
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c)
  return f32x4.add(c, f32x4.mul(a, b))
}
