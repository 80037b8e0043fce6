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

/**
 * P neighbouring output pixels x V vectors of output channels, each accumulator in a register over
 * the whole reduction: 4 x 1 and 4 x 2, or 3 x 3 where a layer has 12 channel lanes (the course's
 * first convolution). There 4 x 2 then 4 x 1 would load each tap's 4 input values twice, and the
 * loads, not the multiply-adds, would set the pace; 4 x 3 spills the registers.
 */
@inline function convBlock(xb: usize, ps: usize, xoff: usize, R: i32, w: usize, ws: usize, b: usize, y: usize, P: i32, V: i32): void {
  const z = f32x4.splat(0)
  // Per vector of channels, per pixel.
  let a0 = z, a1 = z, a2 = z, a3 = z
  let c0 = z, c1 = z, c2 = z, c3 = z
  let e0 = z, e1 = z, e2 = z, e3 = z
  const ps2 = ps + ps
  const ps3 = ps2 + ps
  for (let r = 0; r < R; r++) {
    const p = xb + <usize>load<i32>(xoff + (<usize>r << 2))
    const s0 = v128.load32_splat(p)
    const s1 = v128.load32_splat(p + ps)
    const s2 = v128.load32_splat(p + ps2)
    const s3 = P > 3 ? v128.load32_splat(p + ps3) : z
    const w0 = v128.load(w)
    a0 = madd(s0, w0, a0)
    a1 = madd(s1, w0, a1)
    a2 = madd(s2, w0, a2)
    if (P > 3) a3 = madd(s3, w0, a3)
    if (V > 1) {
      const w1 = v128.load(w, 16)
      c0 = madd(s0, w1, c0)
      c1 = madd(s1, w1, c1)
      c2 = madd(s2, w1, c2)
      if (P > 3) c3 = madd(s3, w1, c3)
    }
    if (V > 2) {
      const w2 = v128.load(w, 32)
      e0 = madd(s0, w2, e0)
      e1 = madd(s1, w2, e1)
      e2 = madd(s2, w2, e2)
      if (P > 3) e3 = madd(s3, w2, e3)
    }
    w += ws
  }
  // As tfjs does: the convolution's sum first, then the bias.
  const b0 = v128.load(b)
  v128.store(y, f32x4.add(a0, b0))
  v128.store(y + ws, f32x4.add(a1, b0))
  v128.store(y + ws + ws, f32x4.add(a2, b0))
  if (P > 3) v128.store(y + ws * 3, f32x4.add(a3, b0))
  if (V > 1) {
    const b1 = v128.load(b, 16)
    v128.store(y, f32x4.add(c0, b1), 16)
    v128.store(y + ws, f32x4.add(c1, b1), 16)
    v128.store(y + ws + ws, f32x4.add(c2, b1), 16)
    if (P > 3) v128.store(y + ws * 3, f32x4.add(c3, b1), 16)
  }
  if (V > 2) {
    const b2 = v128.load(b, 32)
    v128.store(y, f32x4.add(e0, b2), 32)
    v128.store(y + ws, f32x4.add(e1, b2), 32)
    v128.store(y + ws + ws, f32x4.add(e2, b2), 32)
    if (P > 3) v128.store(y + ws * 3, f32x4.add(e3, b2), 32)
  }
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
        convBlock(xb, ps, xoff, R, w, ws, b, y + ((<usize>(oy * OW + ox) * <usize>CoP) << 2), 3, 3)
      }
    }
    for (; ox + 4 <= OW; ox += 4) {
      const xb = x + ((<usize>(oy * W + ox) * <usize>CSi) << 2)
      const yb = y + ((<usize>(oy * OW + ox) * <usize>CoP) << 2)
      let c = 0
      for (; c + 8 <= CoP; c += 8) convBlock(xb, ps, xoff, R, w + (<usize>c << 2), ws, b + (<usize>c << 2), yb + (<usize>c << 2), 4, 2)
      if (c < CoP) convBlock(xb, ps, xoff, R, w + (<usize>c << 2), ws, b + (<usize>c << 2), yb + (<usize>c << 2), 4, 1)
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
