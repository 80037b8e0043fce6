// A 5x5 convolution's forward pass by Winograd's minimal filtering, F(2x2, 5x5) or F(4x4, 5x5),
// for ONE example, channels last, SIMD-128 over channels (layouts as in ./conv.ts).
//
// Each S x S block of outputs (a tile, S = 2 or 4) reads an A x A patch d of the input, A = S + 4.
// With the A x A input transform B^T, the A x 5 kernel transform G and the S x A output transform
// A^T (points 0, 1, -1, 2, -2, and for A = 8 also 1/2 and -1/2, then infinity),
//     y = A^T [ sum over ci of (G w G^T) ⊙ (B^T d B) ] A
// is the same correlation as the direct sum, exactly in real numbers: A*A multiplies per input
// channel for S*S outputs, where the direct form does 25 per output (9 against 25 for S = 2, 4
// against 25 for S = 4). The transforms cost adds, and they are shared: the kernels' transform
// once per step (winogradPrepare), each patch's once for every output channel, each tile's output
// transform once for every input channel. So it pays where there are several channels in and out
// (../program.ts decides). In float32 the sums round differently from the direct form's: about
// 1e-6 of the output's size for S = 2, 2e-6 for S = 4 (the points 1/2 and 2 scale values by up
// to 8), within the tests' tolerances.
//
// The tile is 4x4 where both sides of the output are multiples of 4 and its scratch fits, else 2x2
// (tileSide; the same rule in ../program.ts).
//
// Scratch area `wa` (../program.ts sizes it), in bytes from wa:
//   U  [A*A][Cin][CoP]     the transformed kernels, pos = A * row + column of the A x A
//   V  [tiles][A*A][CiV]   the transformed patches, CiV = Cin rounded up to 4
//   T  [H][TX][A][CiV]     the input rows transformed along x, per tile column
//   M  [2][A*A][CoP]       two tiles' channel sums before the output transform; winogradPrepare
//                          borrows its first 5*A vectors (M has 2*A*A*CoP >= 288 floats)
import { madd, storeVectors } from './simd'

/** F(2x2)'s B^T applied to 6 vectors at src + i*ss; the 6 results to dst + j*ds. */
@inline function inputTransform6(src: usize, ss: usize, dst: usize, ds: usize): void {
  const d0 = v128.load(src)
  const d1 = v128.load(src + ss)
  const d2 = v128.load(src + ss * 2)
  const d3 = v128.load(src + ss * 3)
  const d4 = v128.load(src + ss * 4)
  const d5 = v128.load(src + ss * 5)
  const four = f32x4.splat(4)
  const minusFive = f32x4.splat(-5)
  const two = f32x4.splat(2)
  v128.store(dst, madd(four, d0, madd(minusFive, d2, d4)))
  v128.store(dst + ds, madd(f32x4.splat(-4), f32x4.add(d1, d2), f32x4.add(d3, d4)))
  v128.store(dst + ds * 2, madd(four, f32x4.sub(d1, d2), f32x4.sub(d4, d3)))
  const e42 = f32x4.sub(d4, d2)
  const e13 = f32x4.sub(d1, d3)
  v128.store(dst + ds * 3, madd(f32x4.splat(-2), e13, e42))
  v128.store(dst + ds * 4, madd(two, e13, e42))
  v128.store(dst + ds * 5, madd(four, d1, madd(minusFive, d3, d5)))
}

/** F(2x2)'s G applied to 5 vectors at src + i*ss; the 6 results to dst + j*ds. */
@inline function kernelTransform6(src: usize, ss: usize, dst: usize, ds: usize): void {
  const w0 = v128.load(src)
  const w1 = v128.load(src + ss)
  const w2 = v128.load(src + ss * 2)
  const w3 = v128.load(src + ss * 3)
  const w4 = v128.load(src + ss * 4)
  const sixth = f32x4.splat(<f32>(1.0 / 6.0))
  const even = f32x4.add(f32x4.add(w0, w2), w4)
  const odd = f32x4.add(w1, w3)
  v128.store(dst, f32x4.mul(f32x4.splat(0.25), w0))
  v128.store(dst + ds, f32x4.mul(f32x4.neg(sixth), f32x4.add(even, odd)))
  v128.store(dst + ds * 2, f32x4.mul(f32x4.neg(sixth), f32x4.sub(even, odd)))
  // 1/24 w0 + 1/6 w2 + 2/3 w4, and 1/12 w1 + 1/3 w3
  const e = f32x4.add(f32x4.add(f32x4.mul(f32x4.splat(<f32>(1.0 / 24.0)), w0), f32x4.mul(sixth, w2)), f32x4.mul(f32x4.splat(<f32>(2.0 / 3.0)), w4))
  const o = f32x4.add(f32x4.mul(f32x4.splat(<f32>(1.0 / 12.0)), w1), f32x4.mul(f32x4.splat(<f32>(1.0 / 3.0)), w3))
  v128.store(dst + ds * 3, f32x4.add(e, o))
  v128.store(dst + ds * 4, f32x4.sub(e, o))
  v128.store(dst + ds * 5, w4)
}

/**
 * F(4x4)'s B^T applied to 8 vectors at src + i*ss; the 8 results to dst + j*ds. Its rows, paired
 * where they share terms (points p and -p):
 *   1   0  -21/4     0   21/4     0  -1  0
 *   0   1      1 -17/4  -17/4     1   1  0   and   0  1   -1 -17/4  17/4    1   -1  0
 *   0   1    1/2    -5   -5/2     4   2  0   and   0  1 -1/2    -5   5/2    4   -2  0
 *   0   1      2  -5/4   -5/2   1/4 1/2  0   and   0  1   -2  -5/4   5/2  1/4 -1/2  0
 *   0   1      0 -21/4      0  21/4   0 -1
 */
@inline function inputTransform8(src: usize, ss: usize, dst: usize, ds: usize): void {
  const d0 = v128.load(src)
  const d1 = v128.load(src + ss)
  const d2 = v128.load(src + ss * 2)
  const d3 = v128.load(src + ss * 3)
  const d4 = v128.load(src + ss * 4)
  const d5 = v128.load(src + ss * 5)
  const d6 = v128.load(src + ss * 6)
  const d7 = v128.load(src + ss * 7)
  const k = f32x4.splat(5.25)
  v128.store(dst, madd(k, f32x4.sub(d4, d2), f32x4.sub(d0, d6)))
  const m = f32x4.splat(-4.25)
  const s1 = madd(m, d3, f32x4.add(d1, d5))
  const s2 = madd(m, d4, f32x4.add(d2, d6))
  v128.store(dst + ds, f32x4.add(s1, s2))
  v128.store(dst + ds * 2, f32x4.sub(s1, s2))
  const t1 = madd(f32x4.splat(-5), d3, madd(f32x4.splat(4), d5, d1))
  const t2 = madd(f32x4.splat(0.5), d2, madd(f32x4.splat(-2.5), d4, f32x4.add(d6, d6)))
  v128.store(dst + ds * 3, f32x4.add(t1, t2))
  v128.store(dst + ds * 4, f32x4.sub(t1, t2))
  const u1 = madd(f32x4.splat(-1.25), d3, madd(f32x4.splat(0.25), d5, d1))
  const u2 = madd(f32x4.splat(2), d2, madd(f32x4.splat(-2.5), d4, f32x4.mul(f32x4.splat(0.5), d6)))
  v128.store(dst + ds * 5, f32x4.add(u1, u2))
  v128.store(dst + ds * 6, f32x4.sub(u1, u2))
  v128.store(dst + ds * 7, madd(k, f32x4.sub(d5, d3), f32x4.sub(d1, d7)))
}

/**
 * F(4x4)'s G applied to 5 vectors at src + i*ss; the 8 results to dst + j*ds. Its rows:
 *   1 0 0 0 0,  -2/9 (1 1 1 1 1),  2/9 (1 -1 1 -1 1),
 *   1/180 (1 2 4 8 16),  1/180 (-1 2 -4 8 -16),  4/45 (16 8 4 2 1),  4/45 (-16 8 -4 2 -1),  0 0 0 0 -1
 */
@inline function kernelTransform8(src: usize, ss: usize, dst: usize, ds: usize): void {
  const w0 = v128.load(src)
  const w1 = v128.load(src + ss)
  const w2 = v128.load(src + ss * 2)
  const w3 = v128.load(src + ss * 3)
  const w4 = v128.load(src + ss * 4)
  const even = f32x4.add(f32x4.add(w0, w2), w4)
  const odd = f32x4.add(w1, w3)
  const ninth = f32x4.splat(<f32>(2.0 / 9.0))
  v128.store(dst, w0)
  v128.store(dst + ds, f32x4.mul(f32x4.neg(ninth), f32x4.add(even, odd)))
  v128.store(dst + ds * 2, f32x4.mul(ninth, f32x4.sub(even, odd)))
  // Then each pair (p, -p) from its even and odd terms, coefficients rounded once to float.
  const e3 = f32x4.add(f32x4.add(f32x4.mul(f32x4.splat(<f32>(1.0 / 180.0)), w0), f32x4.mul(f32x4.splat(<f32>(1.0 / 45.0)), w2)), f32x4.mul(f32x4.splat(<f32>(4.0 / 45.0)), w4))
  const o3 = f32x4.add(f32x4.mul(f32x4.splat(<f32>(1.0 / 90.0)), w1), f32x4.mul(f32x4.splat(<f32>(2.0 / 45.0)), w3))
  v128.store(dst + ds * 3, f32x4.add(e3, o3))
  v128.store(dst + ds * 4, f32x4.sub(o3, e3))
  const e5 = f32x4.add(f32x4.add(f32x4.mul(f32x4.splat(<f32>(64.0 / 45.0)), w0), f32x4.mul(f32x4.splat(<f32>(16.0 / 45.0)), w2)), f32x4.mul(f32x4.splat(<f32>(4.0 / 45.0)), w4))
  const o5 = f32x4.add(f32x4.mul(f32x4.splat(<f32>(32.0 / 45.0)), w1), f32x4.mul(f32x4.splat(<f32>(8.0 / 45.0)), w3))
  v128.store(dst + ds * 5, f32x4.add(e5, o5))
  v128.store(dst + ds * 6, f32x4.sub(o5, e5))
  v128.store(dst + ds * 7, f32x4.neg(w4))
}

/** B^T for a tile of side S (A = S + 4 vectors in and out). */
@inline function inputTransform(src: usize, ss: usize, dst: usize, ds: usize, S: i32): void {
  if (S == 4) inputTransform8(src, ss, dst, ds)
  else inputTransform6(src, ss, dst, ds)
}
@inline function kernelTransform(src: usize, ss: usize, dst: usize, ds: usize, S: i32): void {
  if (S == 4) kernelTransform8(src, ss, dst, ds)
  else kernelTransform6(src, ss, dst, ds)
}

/** The most bytes a scratch area may take (WINOGRAD_SCRATCH in ../program.ts, in floats). */
const SCRATCH_BYTES: usize = 1 << 20

/**
 * The tile's side: 4 where both sides of the OH x OW output are multiples of 4 and that tile's
 * scratch fits in SCRATCH_BYTES, else 2 (as winogradTile in ../program.ts, which sized the area).
 */
@inline function tileSide(H: i32, Cin: i32, CoP: i32, OH: i32, OW: i32): i32 {
  if ((OH & 3) != 0 || (OW & 3) != 0) return 2
  const CiV = (Cin + 3) & ~3
  const TX = OW >> 2
  const bytes = uBytes(64, Cin, CoP) + vBytes((OH >> 2) * TX, 64, CiV) + tBytes(H, TX, 8, CiV) + (<usize>(2 * 64 * CoP) << 2)
  return bytes <= SCRATCH_BYTES ? 4 : 2
}

/** Bytes of each part of the scratch area, in order U, V, T, M (../program.ts allocates their sum). */
@inline function uBytes(AA: i32, Cin: i32, CoP: i32): usize {
  return <usize>(AA * Cin * CoP) << 2
}
@inline function vBytes(tiles: i32, AA: i32, CiV: i32): usize {
  return <usize>(tiles * AA * CiV) << 2
}
@inline function tBytes(H: i32, TX: i32, A: i32, CiV: i32): usize {
  return <usize>(H * TX * A * CiV) << 2
}

/** U = G w G^T for every (input, output channel): after each update, like convPrepare. */
export function winogradPrepare(w: usize, Cin: i32, CoP: i32, H: i32, OH: i32, OW: i32, wa: usize): void {
  if (tileSide(H, Cin, CoP, OH, OW) == 4) prepareTiles(w, Cin, CoP, H, OH, OW, wa, 4)
  else prepareTiles(w, Cin, CoP, H, OH, OW, wa, 2)
}

@inline function prepareTiles(w: usize, Cin: i32, CoP: i32, H: i32, OH: i32, OW: i32, wa: usize, S: i32): void {
  const A = S + 4
  const CiV = (Cin + 3) & ~3
  const TX = OW / S
  const scratch = wa + uBytes(A * A, Cin, CoP) + vBytes((OH / S) * TX, A * A, CiV) + tBytes(H, TX, A, CiV)
  const row = <usize>CoP << 2
  // Bytes per kernel tap in w ([K][K][Cin] rows of CoP), and per position in U ([A*A][Cin] rows).
  const tapBytes = row * <usize>Cin
  for (let ci = 0; ci < Cin; ci++) {
    for (let c = 0; c < CoP; c += 4) {
      const src = w + <usize>ci * row + (<usize>c << 2)
      // Along the kernel's rows (ky, stride 5 taps), then along its columns (kx, stride 1 tap).
      for (let kx = 0; kx < 5; kx++) kernelTransform(src + <usize>kx * tapBytes, tapBytes * 5, scratch + (<usize>kx << 4), 5 << 4, S)
      for (let a = 0; a < A; a++) kernelTransform(scratch + (<usize>(a * 5) << 4), 16, wa + <usize>(a * A) * tapBytes + <usize>ci * row + (<usize>c << 2), tapBytes, S)
    }
  }
}

/** M rows pos of one or two tiles: `vectors` vectors of output channels summed over the input channels. */
@inline function channelSums(v0: usize, v1: usize, u: usize, row: usize, Cin: i32, m0: usize, m1: usize, vectors: i32, TWO: bool): void {
  const z = f32x4.splat(0)
  let a0 = z, a1 = z, a2 = z, a3 = z
  let b0 = z, b1 = z, b2 = z, b3 = z
  for (let ci = 0; ci < Cin; ci++) {
    const s = v128.load32_splat(v0 + (<usize>ci << 2))
    const w0 = v128.load(u)
    a0 = madd(s, w0, a0)
    const w1 = vectors > 1 ? v128.load(u, 16) : z
    const w2 = vectors > 2 ? v128.load(u, 32) : z
    const w3 = vectors > 3 ? v128.load(u, 48) : z
    if (vectors > 1) a1 = madd(s, w1, a1)
    if (vectors > 2) a2 = madd(s, w2, a2)
    if (vectors > 3) a3 = madd(s, w3, a3)
    if (TWO) {
      const t = v128.load32_splat(v1 + (<usize>ci << 2))
      b0 = madd(t, w0, b0)
      if (vectors > 1) b1 = madd(t, w1, b1)
      if (vectors > 2) b2 = madd(t, w2, b2)
      if (vectors > 3) b3 = madd(t, w3, b3)
    }
    u += row
  }
  storeVectors(m0, vectors, a0, a1, a2, a3)
  if (TWO) storeVectors(m1, vectors, b0, b1, b2, b3)
}

@inline function multiplyTiles(v0: usize, v1: usize, U: usize, AA: i32, Cin: i32, CoP: i32, CiV: i32, m0: usize, m1: usize, TWO: bool): void {
  const row = <usize>CoP << 2
  const vs = <usize>CiV << 2
  for (let pos = 0; pos < AA; pos++) {
    const u = U + <usize>(pos * Cin) * row
    const at = <usize>pos * row
    let c = 0
    for (; c + 16 <= CoP; c += 16) channelSums(v0, v1, u + (<usize>c << 2), row, Cin, m0 + at + (<usize>c << 2), m1 + at + (<usize>c << 2), 4, TWO)
    const rem = (CoP - c) >> 2
    const o = <usize>c << 2
    if (rem == 3) channelSums(v0, v1, u + o, row, Cin, m0 + at + o, m1 + at + o, 3, TWO)
    else if (rem == 2) channelSums(v0, v1, u + o, row, Cin, m0 + at + o, m1 + at + o, 2, TWO)
    else if (rem == 1) channelSums(v0, v1, u + o, row, Cin, m0 + at + o, m1 + at + o, 1, TWO)
    v0 += vs
    v1 += vs
  }
}

/** F(2x2)'s A^T: its first row (1 1 1 1 1 0) applied to one column of M. */
@inline function sum5(p: usize, rs: usize): v128 {
  return f32x4.add(f32x4.add(f32x4.add(v128.load(p), v128.load(p + rs)), f32x4.add(v128.load(p + rs * 2), v128.load(p + rs * 3))), v128.load(p + rs * 4))
}
/** And its second row (0 1 -1 2 -2 1). */
@inline function diff5(p: usize, rs: usize): v128 {
  const d = madd(f32x4.splat(2), f32x4.sub(v128.load(p + rs * 3), v128.load(p + rs * 4)), f32x4.sub(v128.load(p + rs), v128.load(p + rs * 2)))
  return f32x4.add(d, v128.load(p + rs * 5))
}

/** y's 2x2 tile at y (rows OW*CoP floats apart) = A^T M A + bias, for each vector of output channels. */
@inline function outputTransform2(m: usize, CoP: i32, b: usize, y: usize, ys: usize): void {
  const cs = <usize>CoP << 2
  const rs = cs * 6
  for (let c: usize = 0; c < cs; c += 16) {
    const p = m + c
    // A^T M along the rows of the 6x6 (z0, z1 per column), then along its columns.
    const z00 = sum5(p, rs), z01 = sum5(p + cs, rs), z02 = sum5(p + cs * 2, rs)
    const z03 = sum5(p + cs * 3, rs), z04 = sum5(p + cs * 4, rs), z05 = sum5(p + cs * 5, rs)
    const z10 = diff5(p, rs), z11 = diff5(p + cs, rs), z12 = diff5(p + cs * 2, rs)
    const z13 = diff5(p + cs * 3, rs), z14 = diff5(p + cs * 4, rs), z15 = diff5(p + cs * 5, rs)
    const two = f32x4.splat(2)
    const bias = v128.load(b + c)
    const y00 = f32x4.add(f32x4.add(f32x4.add(z00, z01), f32x4.add(z02, z03)), z04)
    const y01 = f32x4.add(madd(two, f32x4.sub(z03, z04), f32x4.sub(z01, z02)), z05)
    const y10 = f32x4.add(f32x4.add(f32x4.add(z10, z11), f32x4.add(z12, z13)), z14)
    const y11 = f32x4.add(madd(two, f32x4.sub(z13, z14), f32x4.sub(z11, z12)), z15)
    // As tfjs does: the convolution's sum first, then the bias.
    v128.store(y + c, f32x4.add(y00, bias))
    v128.store(y + c + cs, f32x4.add(y01, bias))
    v128.store(y + ys + c, f32x4.add(y10, bias))
    v128.store(y + ys + c + cs, f32x4.add(y11, bias))
  }
}

/**
 * F(4x4)'s A^T (rows 1 1 1 1 1 1 1 0;  0 1 -1 2 -2 1/2 -1/2 0;  0 1 1 4 4 1/4 1/4 0;
 * 0 1 -1 8 -8 1/8 -1/8 1) applied to 8 vectors at p + i*ps: the 4 results to q + j*qs (+ bias, once `BIAS`).
 */
@inline function outputRows8(p: usize, ps: usize, q: usize, qs: usize, bias: v128, BIAS: bool): void {
  const m0 = v128.load(p)
  const m1 = v128.load(p + ps)
  const m2 = v128.load(p + ps * 2)
  const m3 = v128.load(p + ps * 3)
  const m4 = v128.load(p + ps * 4)
  const m5 = v128.load(p + ps * 5)
  const m6 = v128.load(p + ps * 6)
  const m7 = v128.load(p + ps * 7)
  const s12 = f32x4.add(m1, m2)
  const d12 = f32x4.sub(m1, m2)
  const s34 = f32x4.add(m3, m4)
  const d34 = f32x4.sub(m3, m4)
  const s56 = f32x4.add(m5, m6)
  const d56 = f32x4.sub(m5, m6)
  let y0 = f32x4.add(f32x4.add(f32x4.add(m0, s12), s34), s56)
  let y1 = madd(f32x4.splat(0.5), d56, madd(f32x4.splat(2), d34, d12))
  let y2 = madd(f32x4.splat(0.25), s56, madd(f32x4.splat(4), s34, s12))
  let y3 = f32x4.add(madd(f32x4.splat(0.125), d56, madd(f32x4.splat(8), d34, d12)), m7)
  // As tfjs does: the convolution's sum first, then the bias.
  if (BIAS) {
    y0 = f32x4.add(y0, bias)
    y1 = f32x4.add(y1, bias)
    y2 = f32x4.add(y2, bias)
    y3 = f32x4.add(y3, bias)
  }
  v128.store(q, y0)
  v128.store(q + qs, y1)
  v128.store(q + qs * 2, y2)
  v128.store(q + qs * 3, y3)
}

/**
 * y's 4x4 tile at y (rows OW*CoP floats apart) = A^T M A + bias, for each vector of output
 * channels: A^T along each column of the 8x8 into that column's first 4 rows (M is not read
 * again), then along those rows into y.
 */
@inline function outputTransform4(m: usize, CoP: i32, b: usize, y: usize, ys: usize): void {
  const cs = <usize>CoP << 2
  const rs = cs * 8
  const none = f32x4.splat(0)
  for (let c: usize = 0; c < cs; c += 16) {
    const p = m + c
    for (let col: usize = 0; col < 8; col++) outputRows8(p + col * cs, rs, p + col * cs, rs, none, false)
    const bias = v128.load(b + c)
    for (let r: usize = 0; r < 4; r++) outputRows8(p + r * rs, cs, y + r * ys + c, cs, bias, true)
  }
}

/** y [OH][OW][CoP] = the convolution of x [H][W][CSi] (K = 5, stride 1, OH and OW even) + b. */
export function convForwardWinograd(x: usize, H: i32, W: i32, CSi: i32, Cin: i32, b: usize, y: usize, OH: i32, OW: i32, CoP: i32, wa: usize): void {
  if (tileSide(H, Cin, CoP, OH, OW) == 4) forwardTiles(x, H, W, CSi, Cin, b, y, OH, OW, CoP, wa, 4)
  else forwardTiles(x, H, W, CSi, Cin, b, y, OH, OW, CoP, wa, 2)
}

@inline function forwardTiles(x: usize, H: i32, W: i32, CSi: i32, Cin: i32, b: usize, y: usize, OH: i32, OW: i32, CoP: i32, wa: usize, S: i32): void {
  const A = S + 4
  const AA = A * A
  const CiV = (Cin + 3) & ~3
  const TX = OW / S
  const TY = OH / S
  const tiles = TX * TY
  const U = wa
  const Vt = U + uBytes(AA, Cin, CoP)
  const T = Vt + vBytes(tiles, AA, CiV)
  const M = T + tBytes(H, TX, A, CiV)
  const xs = <usize>CSi << 2
  const vs = <usize>CiV << 2
  const tileBytes = vs * <usize>A
  // Each input row's A-wide windows along x, once for the tile rows that share it.
  for (let iy = 0; iy < H; iy++) {
    for (let tx = 0; tx < TX; tx++) {
      const src = x + <usize>(iy * W + tx * S) * xs
      const dst = T + <usize>(iy * TX + tx) * tileBytes
      for (let c: usize = 0; c < vs; c += 16) inputTransform(src + c, xs, dst + c, vs, S)
    }
  }
  // Then along y, per tile: V[t][A * a + b] = sum over r of B^T[a][r] T[S ty + r][tx][b].
  const rowBytes = <usize>TX * tileBytes
  for (let ty = 0; ty < TY; ty++) {
    for (let tx = 0; tx < TX; tx++) {
      const src = T + <usize>(ty * S) * rowBytes + <usize>tx * tileBytes
      const dst = Vt + <usize>((ty * TX + tx) * AA) * vs
      for (let col = 0; col < A; col++) {
        for (let c: usize = 0; c < vs; c += 16) inputTransform(src + <usize>col * vs + c, rowBytes, dst + <usize>col * vs + c, vs * <usize>A, S)
      }
    }
  }
  const mBytes = <usize>(AA * CoP) << 2
  const ys = <usize>(OW * CoP) << 2
  const m1 = M + mBytes
  for (let t = 0; t < tiles; t += 2) {
    const v0 = Vt + <usize>(t * AA) * vs
    const pair = t + 1 < tiles
    if (pair) multiplyTiles(v0, v0 + <usize>AA * vs, U, AA, Cin, CoP, CiV, M, m1, true)
    else multiplyTiles(v0, v0, U, AA, Cin, CoP, CiV, M, M, false)
    const done = pair ? 2 : 1
    for (let k = 0; k < done; k++) {
      const tile = t + k
      const ty = tile / TX
      const tx = tile - ty * TX
      const at = y + <usize>(ty * S) * ys + <usize>(tx * S * CoP << 2)
      if (S == 4) outputTransform4(M + <usize>k * mBytes, CoP, b, at, ys)
      else outputTransform2(M + <usize>k * mBytes, CoP, b, at, ys)
    }
  }
}
