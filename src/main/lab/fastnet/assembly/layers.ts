// The cheap layers for ONE example: pooling, activations, maxout, dropout, flatten.
// Image tensors are [H][W][CS] with CS a multiple of 4; whole vectors are processed, pad lanes
// included (they hold finite values nobody reads; their gradients stay 0).

export const ACT_RELU = 0
export const ACT_SIGMOID = 1
export const ACT_TANH = 2
export const ACT_LEAKY = 3
export const ACT_ELU = 4

// ---- pooling (valid padding; window p x p, stride s) ---------------------------------------
//
// Maxima by f32x4.pmax (b where a < b, else a): one maxps where f32x4.max, which orders -0 below
// +0 and propagates NaN from either side, is about eight instructions in V8. Over finite values
// the two give the same maximum; at a tie between 0 and -0 pmax keeps the first, as tfjs's cpu
// backend does (a later value replaces the maximum only where it is greater). A NaN propagates
// from the first value of a window only: a NaN kernel weight still reaches the loss (it makes its
// whole channel NaN, so every window over it; non-finite.test.ts), but a NaN that arises alone at
// a later position of a window is dropped here, where f32x4.max kept it (tfjs's cpu backend drops
// every NaN from its max-pools).

// The course's pools are 2x2 with stride 2: their windows tile the input without overlapping, so
// they get loops of their own, unrolled (the general ones spend more on loop control than on the
// four loads) and, backward, writing each input's gradient once instead of adding to a zeroed one.

@inline function pool2Forward(x: usize, W: i32, bytes: usize, y: usize, OH: i32, OW: i32): void {
  const rb = <usize>W * bytes
  let yp = y
  for (let oy = 0; oy < OH; oy++) {
    let a = x + <usize>(oy * 2) * rb
    for (let ox = 0; ox < OW; ox++) {
      const b = a + rb
      for (let c: usize = 0; c < bytes; c += 16) {
        const top = f32x4.pmax(v128.load(a + c), v128.load(a + bytes + c))
        const bottom = f32x4.pmax(v128.load(b + c), v128.load(b + bytes + c))
        v128.store(yp + c, f32x4.pmax(top, bottom))
      }
      a += bytes << 1
      yp += bytes
    }
  }
}

/** The first maximum in row-major order gets dy, as in maxPoolBackward; the windows cover the input exactly. */
@inline function pool2Backward(x: usize, W: i32, bytes: usize, y: usize, dy: usize, OH: i32, OW: i32, gx: usize): void {
  const rb = <usize>W * bytes
  const zero = f32x4.splat(0)
  let o: usize = 0
  for (let oy = 0; oy < OH; oy++) {
    let at = <usize>(oy * 2) * rb
    for (let ox = 0; ox < OW; ox++) {
      const at1 = at + bytes
      const at2 = at + rb
      const at3 = at2 + bytes
      for (let c: usize = 0; c < bytes; c += 16) {
        const m = v128.load(y + o + c)
        const g = v128.load(dy + o + c)
        const h0 = f32x4.eq(v128.load(x + at + c), m)
        const h1 = v128.andnot(f32x4.eq(v128.load(x + at1 + c), m), h0)
        const seen = v128.or(h0, h1)
        const h2 = v128.andnot(f32x4.eq(v128.load(x + at2 + c), m), seen)
        const h3 = v128.andnot(f32x4.eq(v128.load(x + at3 + c), m), v128.or(seen, h2))
        // 0 + value, as the general loop adds to zeroed memory: the same bits, -0 included.
        v128.store(gx + at + c, f32x4.add(zero, v128.and(g, h0)))
        v128.store(gx + at1 + c, f32x4.add(zero, v128.and(g, h1)))
        v128.store(gx + at2 + c, f32x4.add(zero, v128.and(g, h2)))
        v128.store(gx + at3 + c, f32x4.add(zero, v128.and(g, h3)))
      }
      at += bytes << 1
      o += bytes
    }
  }
}

export function maxPoolForward(x: usize, W: i32, CS: i32, p: i32, s: i32, y: usize, OH: i32, OW: i32): void {
  const bytes = <usize>CS << 2
  if (p == 2 && s == 2) {
    pool2Forward(x, W, bytes, y, OH, OW)
    return
  }
  let yp = y
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      const base = x + <usize>((oy * s) * W + ox * s) * bytes
      for (let c: usize = 0; c < bytes; c += 16) {
        let m = v128.load(base + c)
        for (let i = 0; i < p; i++) {
          const row = base + <usize>(i * W) * bytes + c
          for (let j = 0; j < p; j++) m = f32x4.pmax(m, v128.load(row + <usize>j * bytes))
        }
        v128.store(yp + c, m)
      }
      yp += bytes
    }
  }
}

/** gx (zeroed here) gets each dy at the FIRST maximum of its window in row-major order, as tfjs's cpu backend. */
export function maxPoolBackward(x: usize, H: i32, W: i32, CS: i32, p: i32, s: i32, y: usize, dy: usize, OH: i32, OW: i32, gx: usize): void {
  const bytes = <usize>CS << 2
  if (p == 2 && s == 2 && H == OH * 2 && W == OW * 2) {
    pool2Backward(x, W, bytes, y, dy, OH, OW, gx)
    return
  }
  memory.fill(gx, 0, <usize>(H * W) * bytes)
  let o: usize = 0
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      const off = <usize>((oy * s) * W + ox * s) * bytes
      for (let c: usize = 0; c < bytes; c += 16) {
        const m = v128.load(y + o + c)
        const g = v128.load(dy + o + c)
        let found = i32x4.splat(0)
        for (let i = 0; i < p; i++) {
          const row = off + <usize>(i * W) * bytes + c
          for (let j = 0; j < p; j++) {
            const at = row + <usize>j * bytes
            const hit = v128.andnot(f32x4.eq(v128.load(x + at), m), found)
            v128.store(gx + at, f32x4.add(v128.load(gx + at), v128.and(g, hit)))
            found = v128.or(found, hit)
          }
        }
      }
      o += bytes
    }
  }
}

export function avgPoolForward(x: usize, W: i32, CS: i32, p: i32, s: i32, y: usize, OH: i32, OW: i32): void {
  const bytes = <usize>CS << 2
  const n = f32x4.splat(<f32>(p * p))
  let yp = y
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      const base = x + <usize>((oy * s) * W + ox * s) * bytes
      for (let c: usize = 0; c < bytes; c += 16) {
        let a = f32x4.splat(0)
        for (let i = 0; i < p; i++) {
          const row = base + <usize>(i * W) * bytes + c
          for (let j = 0; j < p; j++) a = f32x4.add(a, v128.load(row + <usize>j * bytes))
        }
        v128.store(yp + c, f32x4.div(a, n))
      }
      yp += bytes
    }
  }
}

export function avgPoolBackward(H: i32, W: i32, CS: i32, p: i32, s: i32, dy: usize, OH: i32, OW: i32, gx: usize): void {
  const bytes = <usize>CS << 2
  memory.fill(gx, 0, <usize>(H * W) * bytes)
  const k = f32x4.splat(<f32>1 / <f32>(p * p))
  let o: usize = 0
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      const off = <usize>((oy * s) * W + ox * s) * bytes
      for (let c: usize = 0; c < bytes; c += 16) {
        const g = f32x4.mul(v128.load(dy + o + c), k)
        for (let i = 0; i < p; i++) {
          const row = gx + off + <usize>(i * W) * bytes + c
          for (let j = 0; j < p; j++) {
            const at = row + <usize>j * bytes
            v128.store(at, f32x4.add(v128.load(at), g))
          }
        }
      }
      o += bytes
    }
  }
}

// ---- activations (n values, a multiple of 4) ----------------------------------------------

export function activationForward(kind: i32, alpha: f32, x: usize, y: usize, n: i32): void {
  const bytes = <usize>n << 2
  if (kind == ACT_RELU) {
    // x < 0 ? 0 : x by pmax, one maxps (see pooling, above): NaN passes; -0 stays -0 where
    // tfjs's cpu backend (Math.max) gives +0, a zero either way that no sum or mask tells apart.
    const z = f32x4.splat(0)
    for (let i: usize = 0; i < bytes; i += 16) v128.store(y + i, f32x4.pmax(v128.load(x + i), z))
  } else if (kind == ACT_LEAKY) {
    const z = f32x4.splat(0)
    const a = f32x4.splat(alpha)
    for (let i: usize = 0; i < bytes; i += 16) {
      const v = v128.load(x + i)
      v128.store(y + i, v128.bitselect(f32x4.mul(v, a), v, f32x4.lt(v, z)))
    }
  } else {
    // Transcendentals in double, then rounded, as tfjs's cpu backend computes them.
    for (let i: usize = 0; i < bytes; i += 4) {
      const v = <f64>load<f32>(x + i)
      let r: f64
      if (kind == ACT_SIGMOID) r = 1 / (1 + Math.exp(-v))
      else if (kind == ACT_TANH) r = Math.tanh(v)
      else r = v >= 0 ? v : Math.exp(v) - 1 // ELU, alpha 1
      store<f32>(y + i, <f32>r)
    }
  }
}

/** gx = dy * f'(x), from x (relu, leaky) or y (sigmoid, tanh, elu), as tfjs's gradients do. */
export function activationBackward(kind: i32, alpha: f32, x: usize, y: usize, dy: usize, gx: usize, n: i32): void {
  const bytes = <usize>n << 2
  const z = f32x4.splat(0)
  const one = f32x4.splat(1)
  for (let i: usize = 0; i < bytes; i += 16) {
    const g = v128.load(dy + i)
    let r: v128
    if (kind == ACT_RELU) r = v128.and(g, f32x4.gt(v128.load(x + i), z))
    else if (kind == ACT_LEAKY) r = v128.bitselect(g, f32x4.mul(g, f32x4.splat(alpha)), f32x4.gt(v128.load(x + i), z))
    else if (kind == ACT_SIGMOID) {
      const v = v128.load(y + i)
      r = f32x4.mul(g, f32x4.mul(v, f32x4.sub(one, v)))
    } else if (kind == ACT_TANH) {
      const v = v128.load(y + i)
      r = f32x4.mul(f32x4.sub(one, f32x4.mul(v, v)), g)
    } else {
      const v = v128.load(y + i)
      r = v128.bitselect(g, f32x4.mul(g, f32x4.add(v, one)), f32x4.ge(v, z))
    }
    v128.store(gx + i, r)
  }
}

// ---- maxout: unit u of each position is the max of inputs u*k .. u*k+k-1 -------------------

export function maxoutForward(x: usize, positions: i32, units: i32, k: i32, CSi: i32, y: usize, CSo: i32): void {
  for (let s = 0; s < positions; s++) {
    const xs = x + (<usize>(s * CSi) << 2)
    const ys = y + (<usize>(s * CSo) << 2)
    for (let u = 0; u < units; u++) {
      const xu = xs + (<usize>(u * k) << 2)
      let m = load<f32>(xu)
      for (let j = 1; j < k; j++) {
        const v = load<f32>(xu + (<usize>j << 2))
        if (v > m || v != v) m = v
      }
      store<f32>(ys + (<usize>u << 2), m)
    }
  }
}

/** Every input equal to its unit's max gets the unit's gradient (tfjs's max gradient). */
export function maxoutBackward(x: usize, positions: i32, units: i32, k: i32, CSi: i32, y: usize, dy: usize, CSo: i32, gx: usize): void {
  for (let s = 0; s < positions; s++) {
    const xs = x + (<usize>(s * CSi) << 2)
    const gs = gx + (<usize>(s * CSi) << 2)
    const ys = y + (<usize>(s * CSo) << 2)
    const ds = dy + (<usize>(s * CSo) << 2)
    for (let u = 0; u < units; u++) {
      const m = load<f32>(ys + (<usize>u << 2))
      const g = load<f32>(ds + (<usize>u << 2))
      for (let j = 0; j < k; j++) {
        const at = <usize>(u * k + j) << 2
        store<f32>(gs + at, load<f32>(xs + at) == m ? g : 0)
      }
    }
  }
}

// ---- dropout -------------------------------------------------------------------------------

let rngState: u32 = 0

/** A fresh stream per example: the same (step seed, example position) always draws the same mask. */
export function seedExample(seed: u32, position: u32): void {
  let h = seed ^ (position * 0x9e3779b9)
  h ^= h >> 16
  h *= 0x85ebca6b
  h ^= h >> 13
  h *= 0xc2b2ae35
  h ^= h >> 16
  rngState = h
}

/** Where an example's stream stands, to go on with it after other examples drew from theirs. */
export function savedStream(): u32 {
  return rngState
}
export function restoreStream(state: u32): void {
  rngState = state
}

/** mulberry32: uniform in [0, 1) with 24 bits. */
@inline function uniform(): f32 {
  rngState += 0x6d2b79f5
  let t = rngState
  t = (t ^ (t >> 15)) * (t | 1)
  t ^= t + (t ^ (t >> 7)) * (t | 61)
  return <f32>((t ^ (t >> 14)) >> 8) * (<f32>1.0 / <f32>16777216.0)
}

/** y = x * mask, mask = scale (kept, probability keep) or 0: tfjs's x * floor(u + keep) / keep. */
export function dropoutForward(x: usize, y: usize, mask: usize, n: i32, keep: f32, scale: f32): void {
  for (let i: usize = 0; i < (<usize>n << 2); i += 4) {
    const m: f32 = uniform() < keep ? scale : 0
    store<f32>(mask + i, m)
    store<f32>(y + i, load<f32>(x + i) * m)
  }
}

export function multiply(a: usize, b: usize, out: usize, n: i32): void {
  for (let i: usize = 0; i < (<usize>n << 2); i += 16) v128.store(out + i, f32x4.mul(v128.load(a + i), v128.load(b + i)))
}

// ---- flatten: [positions][CS] -> [positions * C] and back -----------------------------------

export function flattenForward(x: usize, positions: i32, C: i32, CS: i32, y: usize): void {
  if (C == CS) {
    memory.copy(y, x, <usize>(positions * C) << 2)
    return
  }
  let o = y
  for (let s = 0; s < positions; s++) {
    const xs = x + (<usize>(s * CS) << 2)
    for (let c = 0; c < C; c++) {
      store<f32>(o, load<f32>(xs + (<usize>c << 2)))
      o += 4
    }
  }
}

export function flattenBackward(dy: usize, positions: i32, C: i32, CS: i32, gx: usize): void {
  if (C == CS) {
    memory.copy(gx, dy, <usize>(positions * C) << 2)
    return
  }
  let o = dy
  for (let s = 0; s < positions; s++) {
    const gs = gx + (<usize>(s * CS) << 2)
    for (let c = 0; c < C; c++) {
      store<f32>(gs + (<usize>c << 2), load<f32>(o))
      o += 4
    }
  }
}

// ---- zero padding (a "same" convolution is pad + valid convolution) ------------------------

/** y [PH][PW][CS] gets x [H][W][CS] at (top, left); y's border is never written, so stays 0. */
export function padForward(x: usize, H: i32, W: i32, CS: i32, top: i32, left: i32, y: usize, PW: i32): void {
  const row = <usize>(W * CS) << 2
  for (let r = 0; r < H; r++) memory.copy(y + (<usize>(((r + top) * PW + left) * CS) << 2), x + <usize>r * row, row)
}

/** gx = the part of dy that padForward's x landed on. */
export function padBackward(dy: usize, H: i32, W: i32, CS: i32, top: i32, left: i32, gx: usize, PW: i32): void {
  const row = <usize>(W * CS) << 2
  for (let r = 0; r < H; r++) memory.copy(gx + <usize>r * row, dy + (<usize>(((r + top) * PW + left) * CS) << 2), row)
}
