// Convolution (stride 1, valid padding) for ONE example, channels last, SIMD-128 over channels.
//
// Layouts (f32, byte pointers):
//   x     [H][W][CSi]    input; CSi >= Cin is the channel stride (lanes past Cin are never read)
//   w     [R][CoP]       R = K*K*Cin rows in (ky, kx, ci) order: tfjs's [K][K][Cin][Cout] kernel,
//                        each row padded with zeros to CoP = Cout rounded up to 4
//   y     [OH][OW][CoP]  output; pad lanes come out 0 because the pad weights and biases are 0
//   xoff  [R] i32        byte offset of row r's input value from a pixel's base address
//   wt    [K*K][Cout][CiP]  w transposed for the input gradient (rebuilt by convPrepare)
//
// Accumulators are kept in registers over the whole reduction; several independent ones per
// loop hide the latency of f32x4.add (one chain alone would wait on it at every step).
import { madd } from './simd'

// ---- forward -------------------------------------------------------------------------------

/** Four neighbouring output pixels x V vectors of output channels (V = 1 or 2). */
@inline function fwd4(xb: usize, ps: usize, xoff: usize, R: i32, w: usize, ws: usize, b: usize, y: usize, V: i32): void {
  const z = f32x4.splat(0)
  let a0 = z, a1 = z, a2 = z, a3 = z
  let c0 = z, c1 = z, c2 = z, c3 = z
  const ps2 = ps + ps
  const ps3 = ps2 + ps
  for (let r = 0; r < R; r++) {
    const p = xb + <usize>load<i32>(xoff + (<usize>r << 2))
    const s0 = v128.load32_splat(p)
    const s1 = v128.load32_splat(p + ps)
    const s2 = v128.load32_splat(p + ps2)
    const s3 = v128.load32_splat(p + ps3)
    const w0 = v128.load(w)
    a0 = madd(s0, w0, a0)
    a1 = madd(s1, w0, a1)
    a2 = madd(s2, w0, a2)
    a3 = madd(s3, w0, a3)
    if (V > 1) {
      const w1 = v128.load(w, 16)
      c0 = madd(s0, w1, c0)
      c1 = madd(s1, w1, c1)
      c2 = madd(s2, w1, c2)
      c3 = madd(s3, w1, c3)
    }
    w += ws
  }
  // As tfjs does: the convolution's sum first, then the bias.
  const b0 = v128.load(b)
  v128.store(y, f32x4.add(a0, b0))
  v128.store(y + ws, f32x4.add(a1, b0))
  v128.store(y + ws + ws, f32x4.add(a2, b0))
  v128.store(y + ws * 3, f32x4.add(a3, b0))
  if (V > 1) {
    const b1 = v128.load(b, 16)
    v128.store(y, f32x4.add(c0, b1), 16)
    v128.store(y + ws, f32x4.add(c1, b1), 16)
    v128.store(y + ws + ws, f32x4.add(c2, b1), 16)
    v128.store(y + ws * 3, f32x4.add(c3, b1), 16)
  }
}

/**
 * Three neighbouring output pixels x 3 vectors of output channels: for CoP = 12, where fwd4 would
 * take two passes (8 channels, then 4) that each load the same 4 input values per tap, so that
 * the loads, not the multiply-adds, set the pace. 9 accumulators, 3 splats and a weight vector
 * fit the registers (4 pixels x 3 vectors would not).
 */
@inline function fwd3x3(xb: usize, ps: usize, xoff: usize, R: i32, w: usize, ws: usize, b: usize, y: usize): void {
  const z = f32x4.splat(0)
  let a0 = z, a1 = z, a2 = z
  let b0 = z, b1 = z, b2 = z
  let c0 = z, c1 = z, c2 = z
  const ps2 = ps + ps
  for (let r = 0; r < R; r++) {
    const p = xb + <usize>load<i32>(xoff + (<usize>r << 2))
    const s0 = v128.load32_splat(p)
    const s1 = v128.load32_splat(p + ps)
    const s2 = v128.load32_splat(p + ps2)
    const w0 = v128.load(w)
    a0 = madd(s0, w0, a0)
    b0 = madd(s1, w0, b0)
    c0 = madd(s2, w0, c0)
    const w1 = v128.load(w, 16)
    a1 = madd(s0, w1, a1)
    b1 = madd(s1, w1, b1)
    c1 = madd(s2, w1, c1)
    const w2 = v128.load(w, 32)
    a2 = madd(s0, w2, a2)
    b2 = madd(s1, w2, b2)
    c2 = madd(s2, w2, c2)
    w += ws
  }
  // As tfjs does: the convolution's sum first, then the bias.
  const e0 = v128.load(b)
  const e1 = v128.load(b, 16)
  const e2 = v128.load(b, 32)
  v128.store(y, f32x4.add(a0, e0))
  v128.store(y, f32x4.add(a1, e1), 16)
  v128.store(y, f32x4.add(a2, e2), 32)
  v128.store(y + ws, f32x4.add(b0, e0))
  v128.store(y + ws, f32x4.add(b1, e1), 16)
  v128.store(y + ws, f32x4.add(b2, e2), 32)
  v128.store(y + ws + ws, f32x4.add(c0, e0))
  v128.store(y + ws + ws, f32x4.add(c1, e1), 16)
  v128.store(y + ws + ws, f32x4.add(c2, e2), 32)
}

/** One output pixel x V vectors of output channels (V = 1..4). */
@inline function fwd1(xb: usize, xoff: usize, R: i32, w: usize, ws: usize, b: usize, y: usize, V: i32): void {
  const z = f32x4.splat(0)
  let a0 = z, a1 = z, a2 = z, a3 = z
  for (let r = 0; r < R; r++) {
    const s = v128.load32_splat(xb + <usize>load<i32>(xoff + (<usize>r << 2)))
    a0 = madd(s, v128.load(w), a0)
    if (V > 1) a1 = madd(s, v128.load(w, 16), a1)
    if (V > 2) a2 = madd(s, v128.load(w, 32), a2)
    if (V > 3) a3 = madd(s, v128.load(w, 48), a3)
    w += ws
  }
  v128.store(y, f32x4.add(a0, v128.load(b)))
  if (V > 1) v128.store(y, f32x4.add(a1, v128.load(b, 16)), 16)
  if (V > 2) v128.store(y, f32x4.add(a2, v128.load(b, 32)), 32)
  if (V > 3) v128.store(y, f32x4.add(a3, v128.load(b, 48)), 48)
}

export function convForward(x: usize, W: i32, CSi: i32, xoff: usize, R: i32, w: usize, b: usize, y: usize, OH: i32, OW: i32, CoP: i32): void {
  const ps = <usize>CSi << 2
  const ws = <usize>CoP << 2
  for (let oy = 0; oy < OH; oy++) {
    let ox = 0
    if (CoP == 12) {
      for (; ox + 3 <= OW; ox += 3) {
        const xb = x + ((<usize>(oy * W + ox) * <usize>CSi) << 2)
        fwd3x3(xb, ps, xoff, R, w, ws, b, y + ((<usize>(oy * OW + ox) * <usize>CoP) << 2))
      }
    }
    for (; ox + 4 <= OW; ox += 4) {
      const xb = x + ((<usize>(oy * W + ox) * <usize>CSi) << 2)
      const yb = y + ((<usize>(oy * OW + ox) * <usize>CoP) << 2)
      let c = 0
      for (; c + 8 <= CoP; c += 8) fwd4(xb, ps, xoff, R, w + (<usize>c << 2), ws, b + (<usize>c << 2), yb + (<usize>c << 2), 2)
      if (c < CoP) fwd4(xb, ps, xoff, R, w + (<usize>c << 2), ws, b + (<usize>c << 2), yb + (<usize>c << 2), 1)
    }
    for (; ox < OW; ox++) {
      const xb = x + ((<usize>(oy * W + ox) * <usize>CSi) << 2)
      const yb = y + ((<usize>(oy * OW + ox) * <usize>CoP) << 2)
      let c = 0
      for (; c + 16 <= CoP; c += 16) fwd1(xb, xoff, R, w + (<usize>c << 2), ws, b + (<usize>c << 2), yb + (<usize>c << 2), 4)
      const rem = (CoP - c) >> 2
      const o = <usize>c << 2
      if (rem == 3) fwd1(xb, xoff, R, w + o, ws, b + o, yb + o, 3)
      else if (rem == 2) fwd1(xb, xoff, R, w + o, ws, b + o, yb + o, 2)
      else if (rem == 1) fwd1(xb, xoff, R, w + o, ws, b + o, yb + o, 1)
    }
  }
}

// ---- for the input gradient ------------------------------------------------------------

/** wt[ky][kx][co][ci] = w[(ky, kx, ci)][co]; pad lanes (ci >= Cin) stay 0. Once per step. */
export function convPrepare(w: usize, K: i32, Cin: i32, Cout: i32, CoP: i32, wt: usize, CiP: i32): void {
  for (let k = 0; k < K * K; k++) {
    for (let ci = 0; ci < Cin; ci++) {
      const src = w + ((<usize>(k * Cin + ci) * <usize>CoP) << 2)
      for (let co = 0; co < Cout; co++) {
        store<f32>(wt + ((<usize>((k * Cout + co) * CiP + ci)) << 2), load<f32>(src + (<usize>co << 2)))
      }
    }
  }
}
