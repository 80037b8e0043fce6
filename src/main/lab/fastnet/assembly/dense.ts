// Dense layer for ONE example. w is tfjs's [IN][OUT] kernel with each row padded to OUTP (a
// multiple of 4, pad lanes 0); x has IN values, y and dy OUTP (pad lanes 0).
import { madd } from './simd'

@inline function fwdBlock(x: usize, IN: i32, w: usize, ws: usize, b: usize, y: usize, V: i32): void {
  const z = f32x4.splat(0)
  let a0 = z, a1 = z, a2 = z, a3 = z
  for (let i = 0; i < IN; i++) {
    const s = v128.load32_splat(x + (<usize>i << 2))
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

/** y = x . w + b */
export function denseForward(x: usize, IN: i32, w: usize, OUTP: i32, b: usize, y: usize): void {
  const ws = <usize>OUTP << 2
  let c = 0
  for (; c + 16 <= OUTP; c += 16) fwdBlock(x, IN, w + (<usize>c << 2), ws, b + (<usize>c << 2), y + (<usize>c << 2), 4)
  const rem = (OUTP - c) >> 2
  const o = <usize>c << 2
  if (rem == 3) fwdBlock(x, IN, w + o, ws, b + o, y + o, 3)
  else if (rem == 2) fwdBlock(x, IN, w + o, ws, b + o, y + o, 2)
  else if (rem == 1) fwdBlock(x, IN, w + o, ws, b + o, y + o, 1)
}

/** gb += dy; gw[i] += x[i] * dy. Rows whose input is 0 (after ReLU, dropout) add nothing. */
export function denseParamGrad(x: usize, IN: i32, dy: usize, OUTP: i32, gw: usize, gb: usize): void {
  const bytes = <usize>OUTP << 2
  for (let c: usize = 0; c < bytes; c += 16) v128.store(gb + c, f32x4.add(v128.load(gb + c), v128.load(dy + c)))
  let g = gw
  for (let i = 0; i < IN; i++) {
    const sv = load<f32>(x + (<usize>i << 2))
    if (sv != 0) {
      const s = f32x4.splat(sv)
      for (let c: usize = 0; c < bytes; c += 16) v128.store(g + c, madd(s, v128.load(dy + c), v128.load(g + c)))
    }
    g += bytes
  }
}

/** gx[i] = w[i] . dy for the IN real inputs (gx's pad lanes are left as they are: 0). */
export function denseInputGrad(dy: usize, IN: i32, w: usize, OUTP: i32, gx: usize): void {
  const bytes = <usize>OUTP << 2
  let wr = w
  for (let i = 0; i < IN; i++) {
    const z = f32x4.splat(0)
    let a0 = z, a1 = z, a2 = z, a3 = z
    let c: usize = 0
    for (; c + 64 <= bytes; c += 64) {
      a0 = madd(v128.load(wr + c), v128.load(dy + c), a0)
      a1 = madd(v128.load(wr + c, 16), v128.load(dy + c, 16), a1)
      a2 = madd(v128.load(wr + c, 32), v128.load(dy + c, 32), a2)
      a3 = madd(v128.load(wr + c, 48), v128.load(dy + c, 48), a3)
    }
    for (; c < bytes; c += 16) a0 = madd(v128.load(wr + c), v128.load(dy + c), a0)
    const a = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3))
    store<f32>(gx + (<usize>i << 2), f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1) + (f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3)))
    wr += bytes
  }
}
