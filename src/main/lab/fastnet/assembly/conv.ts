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

/** Output pixels filled from the blank sums since the host last asked (tests check the path runs). */
let blankFilled = 0
export function takeBlankFilled(): i32 {
  const n = blankFilled
  blankFilled = 0
  return n
}

/**
 * Pixels px..px+P-1 of y (pixel stride ws bytes) = blank + b: the sums over a window of blank
 * input, where the first layer skips them (see blankSums).
 */
@inline function fillBlank(y: usize, ws: usize, P: i32, blank: usize, b: usize): void {
  blankFilled += P
  for (let k = 0; k < P; k++) {
    const yp = y + <usize>k * ws
    for (let c: usize = 0; c < ws; c += 16) v128.store(yp + c, f32x4.add(v128.load(blank + c), v128.load(b + c)))
  }
}

/**
 * y = the convolution of x + b. With `ink` (the network's first layer, over the example's image):
 * ink[oy] has bit ox set where output pixel (oy, ox)'s window holds a nonzero pixel byte (see
 * inkWindows); a block of pixels whose windows hold none takes `blank` (blankSums) + b instead of
 * its sums, which are those very values: MNIST's background is a third of the first layer's blocks.
 */
export function convForward(x: usize, W: i32, CSi: i32, xoff: usize, R: i32, w: usize, b: usize, y: usize, OH: i32, OW: i32, CoP: i32, ink: usize, blank: usize): void {
  const ps = <usize>CSi << 2
  const ws = <usize>CoP << 2
  for (let oy = 0; oy < OH; oy++) {
    let ox = 0
    // Every pixel inked where there is no map: no block is ever blank.
    const inked: u32 = ink ? load<u32>(ink + (<usize>oy << 2)) : 0xffffffff
    if (CoP == 12) {
      for (; ox + 3 <= OW; ox += 3) {
        const yb = y + ((<usize>(oy * OW + ox) * <usize>CoP) << 2)
        if (((inked >> <u32>ox) & 7) == 0) {
          fillBlank(yb, ws, 3, blank, b)
          continue
        }
        const xb = x + ((<usize>(oy * W + ox) * <usize>CSi) << 2)
        convBlock(xb, ps, xoff, R, w, ws, b, yb, 3, 3)
      }
    }
    for (; ox + 4 <= OW; ox += 4) {
      const xb = x + ((<usize>(oy * W + ox) * <usize>CSi) << 2)
      const yb = y + ((<usize>(oy * OW + ox) * <usize>CoP) << 2)
      if (((inked >> <u32>ox) & 15) == 0) {
        fillBlank(yb, ws, 4, blank, b)
        continue
      }
      let c = 0
      for (; c + 8 <= CoP; c += 8) convBlock(xb, ps, xoff, R, w + (<usize>c << 2), ws, b + (<usize>c << 2), yb + (<usize>c << 2), 4, 2)
      if (c < CoP) convBlock(xb, ps, xoff, R, w + (<usize>c << 2), ws, b + (<usize>c << 2), yb + (<usize>c << 2), 4, 1)
    }
    for (; ox < OW; ox++) {
      const xb = x + ((<usize>(oy * W + ox) * <usize>CSi) << 2)
      const yb = y + ((<usize>(oy * OW + ox) * <usize>CoP) << 2)
      if (((inked >> <u32>ox) & 1) == 0) {
        fillBlank(yb, ws, 1, blank, b)
        continue
      }
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

// ---- blank windows of the first layer -------------------------------------------------------
//
// Where every pixel byte under a first-layer kernel is 0, each tap reads the same value (the
// normalised background, `background`), so the window's sums are the same for every such pixel:
// computed once per step here, in the forward pass's order (each channel's sum over the rows r in
// order, one madd each), they are the very bits the direct sum gives there.

/** blank[c] = the sum over r of background * w[r][c], as convBlock and fwd1 sum it; after each update. */
export function blankSums(w: usize, R: i32, CoP: i32, background: f32, blank: usize): void {
  const s = f32x4.splat(background)
  const ws = <usize>CoP << 2
  for (let c: usize = 0; c < ws; c += 16) {
    let a = f32x4.splat(0)
    for (let r = 0; r < R; r++) a = madd(s, v128.load(w + <usize>r * ws + c), a)
    v128.store(blank + c, a)
  }
}

/**
 * ink[oy] (OH words) = a bit per output pixel ox of row oy: set where its K x K window holds a
 * nonzero byte, from rows[iy] (a bit per input column; rows no wider than 32).
 */
export function inkWindows(rows: usize, K: i32, OH: i32, ink: usize): void {
  for (let oy = 0; oy < OH; oy++) {
    let m: u32 = 0
    for (let k = 0; k < K; k++) m |= load<u32>(rows + (<usize>(oy + k) << 2))
    let spread: u32 = 0
    for (let k = 0; k < K; k++) spread |= m >> <u32>k
    store<u32>(ink + (<usize>oy << 2), spread)
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
