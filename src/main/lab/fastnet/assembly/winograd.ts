// A 5x5 convolution's forward pass by Winograd's minimal filtering F(2x2, 5x5), for ONE example,
// channels last, SIMD-128 over channels (layouts as in ./conv.ts).
//
// Each 2x2 block of outputs (a tile) reads a 6x6 patch d of the input. With the 6x6 input
// transform B^T, the 6x5 kernel transform G and the 2x6 output transform A^T (points 0, 1, -1,
// 2, -2 and infinity),
//     y = A^T [ sum over ci of (G w G^T) ⊙ (B^T d B) ] A
// is the same correlation as the direct sum, exactly in real numbers: 36 multiplies per input
// channel where the direct form does 100. The transforms cost adds, and they are shared: the
// kernels' transform once per step (winogradPrepare), each patch's once for every output channel,
// each tile's output transform once for every input channel. So it pays where there are several
// channels in and out (../program.ts decides); in float32 the sums round differently from the
// direct form's, within the tests' tolerances.
//
// Scratch area `wa` (../program.ts sizes it), in bytes from wa:
//   U  [36][Cin][CoP]      the transformed kernels, pos = 6 * row + column of the 6x6
//   V  [tiles][36][CiV]    the transformed patches, CiV = Cin rounded up to 4
//   T  [H][TX][6][CiV]     the input rows transformed along x, per tile column
//   M  [2][36][CoP]        two tiles' channel sums before the output transform; winogradPrepare
//                          borrows its first 30 vectors (M has 72 * CoP >= 288 floats)
import { madd, storeVectors } from './simd'

/** B^T applied to 6 vectors at src + i*ss; the 6 results to dst + j*ds. */
@inline function inputTransform(src: usize, ss: usize, dst: usize, ds: usize): void {
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

/** G applied to 5 vectors at src + i*ss; the 6 results to dst + j*ds. */
@inline function kernelTransform(src: usize, ss: usize, dst: usize, ds: usize): void {
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

/** Bytes of each part of the scratch area, in order U, V, T, M (../program.ts allocates their sum). */
@inline function uBytes(Cin: i32, CoP: i32): usize {
  return <usize>(36 * Cin * CoP) << 2
}
@inline function vBytes(tiles: i32, CiV: i32): usize {
  return <usize>(tiles * 36 * CiV) << 2
}
@inline function tBytes(H: i32, TX: i32, CiV: i32): usize {
  return <usize>(H * TX * 6 * CiV) << 2
}

/** U = G w G^T for every (input, output channel): after each update, like convPrepare. */
export function winogradPrepare(w: usize, Cin: i32, CoP: i32, H: i32, OH: i32, OW: i32, wa: usize): void {
  const CiV = (Cin + 3) & ~3
  const TX = OW >> 1
  const scratch = wa + uBytes(Cin, CoP) + vBytes((OH >> 1) * TX, CiV) + tBytes(H, TX, CiV)
  const row = <usize>CoP << 2
  // Bytes per kernel tap in w ([K][K][Cin] rows of CoP), and per position in U ([36][Cin] rows).
  const tapBytes = row * <usize>Cin
  for (let ci = 0; ci < Cin; ci++) {
    for (let c = 0; c < CoP; c += 4) {
      const src = w + <usize>ci * row + (<usize>c << 2)
      // Along the kernel's rows (ky, stride 5 taps), then along its columns (kx, stride 1 tap).
      for (let kx = 0; kx < 5; kx++) kernelTransform(src + <usize>kx * tapBytes, tapBytes * 5, scratch + (<usize>kx << 4), 5 << 4)
      for (let a = 0; a < 6; a++) kernelTransform(scratch + (<usize>(a * 5) << 4), 16, wa + <usize>(a * 6) * tapBytes + <usize>ci * row + (<usize>c << 2), tapBytes)
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

@inline function multiplyTiles(v0: usize, v1: usize, U: usize, Cin: i32, CoP: i32, CiV: i32, m0: usize, m1: usize, TWO: bool): void {
  const row = <usize>CoP << 2
  const vs = <usize>CiV << 2
  for (let pos = 0; pos < 36; pos++) {
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

/** A^T's first row (1 1 1 1 1 0) applied to one column of M. */
@inline function sum5(p: usize, rs: usize): v128 {
  return f32x4.add(f32x4.add(f32x4.add(v128.load(p), v128.load(p + rs)), f32x4.add(v128.load(p + rs * 2), v128.load(p + rs * 3))), v128.load(p + rs * 4))
}
/** And its second row (0 1 -1 2 -2 1). */
@inline function diff5(p: usize, rs: usize): v128 {
  const d = madd(f32x4.splat(2), f32x4.sub(v128.load(p + rs * 3), v128.load(p + rs * 4)), f32x4.sub(v128.load(p + rs), v128.load(p + rs * 2)))
  return f32x4.add(d, v128.load(p + rs * 5))
}

/** y's 2x2 tile at y (rows OW*CoP floats apart) = A^T M A + bias, for each vector of output channels. */
@inline function outputTransform(m: usize, CoP: i32, b: usize, y: usize, ys: usize): void {
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

/** y [OH][OW][CoP] = the convolution of x [H][W][CSi] (K = 5, stride 1, OH and OW even) + b. */
export function convForwardWinograd(x: usize, H: i32, W: i32, CSi: i32, Cin: i32, b: usize, y: usize, OH: i32, OW: i32, CoP: i32, wa: usize): void {
  const CiV = (Cin + 3) & ~3
  const TX = OW >> 1
  const TY = OH >> 1
  const tiles = TX * TY
  const U = wa
  const Vt = U + uBytes(Cin, CoP)
  const T = Vt + vBytes(tiles, CiV)
  const M = T + tBytes(H, TX, CiV)
  const xs = <usize>CSi << 2
  const vs = <usize>CiV << 2
  const tileBytes = vs * 6
  // Each input row's 6-wide windows along x, once for the (up to 3) tile rows that share it.
  for (let iy = 0; iy < H; iy++) {
    for (let tx = 0; tx < TX; tx++) {
      const src = x + <usize>(iy * W + tx * 2) * xs
      const dst = T + <usize>(iy * TX + tx) * tileBytes
      for (let c: usize = 0; c < vs; c += 16) inputTransform(src + c, xs, dst + c, vs)
    }
  }
  // Then along y, per tile: V[t][6 * a + b] = sum over r of B^T[a][r] T[2 ty + r][tx][b].
  const rowBytes = <usize>TX * tileBytes
  for (let ty = 0; ty < TY; ty++) {
    for (let tx = 0; tx < TX; tx++) {
      const src = T + <usize>(ty * 2) * rowBytes + <usize>tx * tileBytes
      const dst = Vt + <usize>((ty * TX + tx) * 36) * vs
      for (let col = 0; col < 6; col++) {
        for (let c: usize = 0; c < vs; c += 16) inputTransform(src + <usize>col * vs + c, rowBytes, dst + <usize>col * vs + c, vs * 6)
      }
    }
  }
  const mBytes = <usize>(36 * CoP) << 2
  const ys = <usize>(OW * CoP) << 2
  const m1 = M + mBytes
  for (let t = 0; t < tiles; t += 2) {
    const v0 = Vt + <usize>(t * 36) * vs
    const pair = t + 1 < tiles
    if (pair) multiplyTiles(v0, v0 + 36 * vs, U, Cin, CoP, CiV, M, m1, true)
    else multiplyTiles(v0, v0, U, Cin, CoP, CiV, M, M, false)
    const done = pair ? 2 : 1
    for (let k = 0; k < done; k++) {
      const tile = t + k
      const ty = tile / TX
      const tx = tile - ty * TX
      outputTransform(M + <usize>k * mBytes, CoP, b, y + <usize>(ty * 2) * ys + <usize>(tx * 2 * CoP << 2), ys)
    }
  }
}
