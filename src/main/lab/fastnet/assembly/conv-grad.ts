// Convolution gradients for ONE example (layouts as in conv.ts): the filter's (dense, or from the
// nonzero output gradients only), the bias's, and the input's (scattered through the transposed
// kernel that convPrepare builds).
import { madd } from './simd'

// ---- filter gradient -----------------------------------------------------------------------

/** gw rows r..r+3 (input offsets o0..o3) x V vectors, summed over every output position. */
@inline function dw4(x: usize, rowSkip: usize, ps: usize, o0: usize, o1: usize, o2: usize, o3: usize, dy: usize, ds: usize, OH: i32, OW: i32, g: usize, ws: usize, V: i32): void {
  const z = f32x4.splat(0)
  let a0 = z, a1 = z, a2 = z, a3 = z
  let c0 = z, c1 = z, c2 = z, c3 = z
  let xp = x
  let dp = dy
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      const d0 = v128.load(dp)
      const s0 = v128.load32_splat(xp + o0)
      const s1 = v128.load32_splat(xp + o1)
      const s2 = v128.load32_splat(xp + o2)
      const s3 = v128.load32_splat(xp + o3)
      a0 = madd(s0, d0, a0)
      a1 = madd(s1, d0, a1)
      a2 = madd(s2, d0, a2)
      a3 = madd(s3, d0, a3)
      if (V > 1) {
        const d1 = v128.load(dp, 16)
        c0 = madd(s0, d1, c0)
        c1 = madd(s1, d1, c1)
        c2 = madd(s2, d1, c2)
        c3 = madd(s3, d1, c3)
      }
      xp += ps
      dp += ds
    }
    xp += rowSkip
  }
  v128.store(g, f32x4.add(v128.load(g), a0))
  v128.store(g + ws, f32x4.add(v128.load(g + ws), a1))
  v128.store(g + ws * 2, f32x4.add(v128.load(g + ws * 2), a2))
  v128.store(g + ws * 3, f32x4.add(v128.load(g + ws * 3), a3))
  if (V > 1) {
    v128.store(g, f32x4.add(v128.load(g, 16), c0), 16)
    v128.store(g + ws, f32x4.add(v128.load(g + ws, 16), c1), 16)
    v128.store(g + ws * 2, f32x4.add(v128.load(g + ws * 2, 16), c2), 16)
    v128.store(g + ws * 3, f32x4.add(v128.load(g + ws * 3, 16), c3), 16)
  }
}

/** One gw row (input offset o) x V vectors (V = 1..4). */
@inline function dw1(x: usize, rowSkip: usize, ps: usize, o: usize, dy: usize, ds: usize, OH: i32, OW: i32, g: usize, V: i32): void {
  const z = f32x4.splat(0)
  let a0 = z, a1 = z, a2 = z, a3 = z
  let xp = x + o
  let dp = dy
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      const s = v128.load32_splat(xp)
      a0 = madd(s, v128.load(dp), a0)
      if (V > 1) a1 = madd(s, v128.load(dp, 16), a1)
      if (V > 2) a2 = madd(s, v128.load(dp, 32), a2)
      if (V > 3) a3 = madd(s, v128.load(dp, 48), a3)
      xp += ps
      dp += ds
    }
    xp += rowSkip
  }
  v128.store(g, f32x4.add(v128.load(g), a0))
  if (V > 1) v128.store(g, f32x4.add(v128.load(g, 16), a1), 16)
  if (V > 2) v128.store(g, f32x4.add(v128.load(g, 32), a2), 32)
  if (V > 3) v128.store(g, f32x4.add(v128.load(g, 48), a3), 48)
}

/** gw[r][c] += sum over output positions of x[position + xoff[r]] * dy[position][c]. */
export function convFilterGrad(x: usize, W: i32, CSi: i32, xoff: usize, R: i32, dy: usize, OH: i32, OW: i32, CoP: i32, gw: usize): void {
  const ps = <usize>CSi << 2
  const ds = <usize>CoP << 2
  const rowSkip = <usize>(W - OW) * ps
  let r = 0
  for (; r + 4 <= R; r += 4) {
    const t = xoff + (<usize>r << 2)
    const o0 = <usize>load<i32>(t)
    const o1 = <usize>load<i32>(t, 4)
    const o2 = <usize>load<i32>(t, 8)
    const o3 = <usize>load<i32>(t, 12)
    const g = gw + <usize>r * ds
    let c = 0
    for (; c + 8 <= CoP; c += 8) dw4(x, rowSkip, ps, o0, o1, o2, o3, dy + (<usize>c << 2), ds, OH, OW, g + (<usize>c << 2), ds, 2)
    if (c < CoP) dw4(x, rowSkip, ps, o0, o1, o2, o3, dy + (<usize>c << 2), ds, OH, OW, g + (<usize>c << 2), ds, 1)
  }
  for (; r < R; r++) {
    const o = <usize>load<i32>(xoff + (<usize>r << 2))
    const g = gw + <usize>r * ds
    let c = 0
    for (; c + 16 <= CoP; c += 16) dw1(x, rowSkip, ps, o, dy + (<usize>c << 2), ds, OH, OW, g + (<usize>c << 2), 4)
    const rem = (CoP - c) >> 2
    const k = <usize>c << 2
    if (rem == 3) dw1(x, rowSkip, ps, o, dy + k, ds, OH, OW, g + k, 3)
    else if (rem == 2) dw1(x, rowSkip, ps, o, dy + k, ds, OH, OW, g + k, 2)
    else if (rem == 1) dw1(x, rowSkip, ps, o, dy + k, ds, OH, OW, g + k, 1)
  }
}

// ---- filter gradient from the nonzero dy only ------------------------------------------------
//
// gwT [Cout][K][K*CSi] accumulates, for each nonzero dy[position][co], v times the K rows of
// K*CSi input values under the kernel: each row is contiguous in x, so whole vectors are added.
// One output channel at a time: its nonzero values are listed, then each stretch of up to 8
// vectors of a gwT row is summed over them in registers and written once (adding each value
// straight into gwT read and wrote every vector once per value). convFoldFilterGrad moves gwT
// into gw's layout once per batch (a sum over examples commutes with the move), dropping the pad
// lanes.

/** How many of dy's values are nonzero (pad lanes are 0). */
export function countNonzero(dy: usize, positions: i32, CoP: i32): i32 {
  const z = f32x4.splat(0)
  let c = i32x4.splat(0)
  const end = dy + ((<usize>(positions * CoP)) << 2)
  for (let p = dy; p < end; p += 16) c = i32x4.sub(c, f32x4.ne(v128.load(p), z))
  return i32x4.extract_lane(c, 0) + i32x4.extract_lane(c, 1) + i32x4.extract_lane(c, 2) + i32x4.extract_lane(c, 3)
}

/** g[0..V) += sum over the n listed (value, x offset) pairs of value * x[offset + at ..], V vectors. */
@inline function stretch(x: usize, list: usize, n: i32, at: usize, g: usize, V: i32): void {
  let a0 = v128.load(g)
  let a1 = V > 1 ? v128.load(g, 16) : a0
  let a2 = V > 2 ? v128.load(g, 32) : a0
  let a3 = V > 3 ? v128.load(g, 48) : a0
  let a4 = V > 4 ? v128.load(g, 64) : a0
  let a5 = V > 5 ? v128.load(g, 80) : a0
  let a6 = V > 6 ? v128.load(g, 96) : a0
  let a7 = V > 7 ? v128.load(g, 112) : a0
  for (let k = 0; k < n; k++) {
    const e = list + (<usize>k << 3)
    const s = v128.load32_splat(e)
    const xr = x + <usize>load<u32>(e, 4) + at
    a0 = madd(s, v128.load(xr), a0)
    if (V > 1) a1 = madd(s, v128.load(xr, 16), a1)
    if (V > 2) a2 = madd(s, v128.load(xr, 32), a2)
    if (V > 3) a3 = madd(s, v128.load(xr, 48), a3)
    if (V > 4) a4 = madd(s, v128.load(xr, 64), a4)
    if (V > 5) a5 = madd(s, v128.load(xr, 80), a5)
    if (V > 6) a6 = madd(s, v128.load(xr, 96), a6)
    if (V > 7) a7 = madd(s, v128.load(xr, 112), a7)
  }
  v128.store(g, a0)
  if (V > 1) v128.store(g, a1, 16)
  if (V > 2) v128.store(g, a2, 32)
  if (V > 3) v128.store(g, a3, 48)
  if (V > 4) v128.store(g, a4, 64)
  if (V > 5) v128.store(g, a5, 80)
  if (V > 6) v128.store(g, a6, 96)
  if (V > 7) v128.store(g, a7, 112)
}

/** gwT += the filter gradient of dy's nonzero values; `list` holds 2 words per output position. */
export function convFilterGradSparse(x: usize, dy: usize, OH: i32, OW: i32, CoP: i32, Cout: i32, W: i32, CSi: i32, K: i32, list: usize, gwT: usize): void {
  const run = <usize>(K * CSi) << 2
  const rowStep = <usize>(W * CSi) << 2
  const ds = <usize>CoP << 2
  for (let co = 0; co < Cout; co++) {
    // The channel's nonzero values and their pixels' byte offsets in x, listed without branches.
    let n = 0
    let d = dy + (<usize>co << 2)
    for (let oy = 0; oy < OH; oy++) {
      let pixel = <u32>(oy * W * CSi) << 2
      for (let ox = 0; ox < OW; ox++) {
        const v = load<f32>(d)
        const e = list + (<usize>n << 3)
        store<f32>(e, v)
        store<u32>(e, pixel, 4)
        n += i32(v != 0)
        d += ds
        pixel += <u32>CSi << 2
      }
    }
    if (n == 0) continue
    let g = gwT + <usize>(co * K) * run
    for (let ky = 0; ky < K; ky++) {
      const at = <usize>ky * rowStep
      let j: usize = 0
      for (; j + 128 <= run; j += 128) stretch(x, list, n, at + j, g + j, 8)
      const rem = <i32>((run - j) >> 4)
      const a = at + j
      if (rem == 7) stretch(x, list, n, a, g + j, 7)
      else if (rem == 6) stretch(x, list, n, a, g + j, 6)
      else if (rem == 5) stretch(x, list, n, a, g + j, 5)
      else if (rem == 4) stretch(x, list, n, a, g + j, 4)
      else if (rem == 3) stretch(x, list, n, a, g + j, 3)
      else if (rem == 2) stretch(x, list, n, a, g + j, 2)
      else if (rem == 1) stretch(x, list, n, a, g + j, 1)
      g += run
    }
  }
}

/** gw[(ky, kx, ci)][co] += gwT[co][ky][kx * CSi + ci]; gwT back to 0. */
export function convFoldFilterGrad(gwT: usize, K: i32, Cin: i32, CSi: i32, Cout: i32, CoP: i32, gw: usize): void {
  const channel = K * K * CSi
  for (let co = 0; co < Cout; co++) {
    for (let ky = 0; ky < K; ky++) {
      for (let kx = 0; kx < K; kx++) {
        for (let ci = 0; ci < Cin; ci++) {
          const src = gwT + (<usize>(co * channel + (ky * K + kx) * CSi + ci) << 2)
          const dst = gw + (<usize>(((ky * K + kx) * Cin + ci) * CoP + co) << 2)
          store<f32>(dst, load<f32>(dst) + load<f32>(src))
        }
      }
    }
  }
  memory.fill(gwT, 0, <usize>(Cout * channel) << 2)
}

/** gb[c] += sum over output positions of dy[position][c]. */
export function biasGrad(dy: usize, positions: i32, CoP: i32, gb: usize): void {
  const ds = <usize>CoP << 2
  for (let c: usize = 0; c < <usize>CoP << 2; c += 16) {
    let a = f32x4.splat(0)
    let dp = dy + c
    for (let i = 0; i < positions; i++) {
      a = f32x4.add(a, v128.load(dp))
      dp += ds
    }
    v128.store(gb + c, f32x4.add(v128.load(gb + c), a))
  }
}

// ---- input gradient ------------------------------------------------------------------------

/**
 * gx pixels p (and p + 1 pixel when PAIR) += sum over the pixel's nonzero dy (n entries: values
 * and wt row offsets in `nz`) of value * wt row, V vectors of ci.
 */
@inline function dxBlock(nz: usize, n: i32, wp: usize, kstep: usize, gp: usize, rs: usize, V: i32, PAIR: bool): void {
  let a0 = v128.load(gp)
  let a1 = V > 1 ? v128.load(gp, 16) : a0
  let a2 = V > 2 ? v128.load(gp, 32) : a0
  let a3 = V > 3 ? v128.load(gp, 48) : a0
  const q = gp + rs
  let b0 = PAIR ? v128.load(q) : a0
  let b1 = PAIR && V > 1 ? v128.load(q, 16) : a0
  let b2 = PAIR && V > 2 ? v128.load(q, 32) : a0
  let b3 = PAIR && V > 3 ? v128.load(q, 48) : a0
  for (let k = 0; k < n; k++) {
    const e = nz + (<usize>k << 3)
    const s = v128.load32_splat(e)
    const w = wp + <usize>load<u32>(e, 4)
    a0 = madd(s, v128.load(w), a0)
    if (V > 1) a1 = madd(s, v128.load(w, 16), a1)
    if (V > 2) a2 = madd(s, v128.load(w, 32), a2)
    if (V > 3) a3 = madd(s, v128.load(w, 48), a3)
    if (PAIR) {
      const w2 = w + kstep
      b0 = madd(s, v128.load(w2), b0)
      if (V > 1) b1 = madd(s, v128.load(w2, 16), b1)
      if (V > 2) b2 = madd(s, v128.load(w2, 32), b2)
      if (V > 3) b3 = madd(s, v128.load(w2, 48), b3)
    }
  }
  v128.store(gp, a0)
  if (V > 1) v128.store(gp, a1, 16)
  if (V > 2) v128.store(gp, a2, 32)
  if (V > 3) v128.store(gp, a3, 48)
  if (PAIR) {
    v128.store(q, b0)
    if (V > 1) v128.store(q, b1, 16)
    if (V > 2) v128.store(q, b2, 32)
    if (V > 3) v128.store(q, b3, 48)
  }
}

@inline function dxVectors(nz: usize, n: i32, wp: usize, kstep: usize, gp: usize, rs: usize, CiP: i32, PAIR: bool): void {
  let c = 0
  for (; c + 16 <= CiP; c += 16) dxBlock(nz, n, wp + (<usize>c << 2), kstep, gp + (<usize>c << 2), rs, 4, PAIR)
  const rem = (CiP - c) >> 2
  const o = <usize>c << 2
  if (rem == 3) dxBlock(nz, n, wp + o, kstep, gp + o, rs, 3, PAIR)
  else if (rem == 2) dxBlock(nz, n, wp + o, kstep, gp + o, rs, 2, PAIR)
  else if (rem == 1) dxBlock(nz, n, wp + o, kstep, gp + o, rs, 1, PAIR)
}

/**
 * gx (zeroed here) [H][W][CiP] = the input gradient: each dy pixel scattered through wt. After
 * max-pooling and ReLU most of dy is exactly 0, scattered at random: each pixel's nonzero values
 * are first listed (without branches) in `nz`, Cout pairs of (value, wt row offset), and only
 * they are scattered. Skipping zeros changes no sum.
 */
export function convInputGrad(dy: usize, OH: i32, OW: i32, CoP: i32, Cout: i32, wt: usize, K: i32, gx: usize, H: i32, W: i32, CiP: i32, nz: usize): void {
  memory.fill(gx, 0, (<usize>(H * W * CiP)) << 2)
  const rs = <usize>CiP << 2
  const kstep = <usize>Cout * rs
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      const d = dy + ((<usize>(oy * OW + ox) * <usize>CoP) << 2)
      let n = 0
      for (let co = 0; co < Cout; co++) {
        const v = load<f32>(d + (<usize>co << 2))
        const e = nz + (<usize>n << 3)
        store<f32>(e, v)
        store<u32>(e, <u32>co * <u32>rs, 4)
        n += i32(v != 0)
      }
      if (n == 0) continue
      for (let ky = 0; ky < K; ky++) {
        const g = gx + ((<usize>((oy + ky) * W + ox) * <usize>CiP) << 2)
        const wrow = wt + <usize>(ky * K) * kstep
        let kx = 0
        for (; kx + 2 <= K; kx += 2) dxVectors(nz, n, wrow + <usize>kx * kstep, kstep, g + <usize>kx * rs, rs, CiP, true)
        if (kx < K) dxVectors(nz, n, wrow + <usize>kx * kstep, kstep, g + <usize>kx * rs, rs, CiP, false)
      }
    }
  }
}
