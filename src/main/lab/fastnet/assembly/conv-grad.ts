// Convolution gradients for ONE example (layouts as in conv.ts): the filter's (dense, or from the
// nonzero output gradients only), the bias's, and the input's (scattered through the transposed
// kernel that convPrepare builds).
import { madd, storeVectors } from './simd'

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
// gwT [Cout][K][run] accumulates, for each nonzero dy[position][co], v times the K rows of input
// values under the kernel: each row is contiguous in x, so whole vectors are added. One output
// channel at a time: its nonzero values are listed, then each stretch of up to 8 vectors of a gwT
// row is summed over them in registers and written once (adding each value straight into gwT read
// and wrote every vector once per value). convFoldFilterGrad moves gwT into gw's layout once per
// batch (a sum over examples commutes with the move), dropping the pad lanes.
//
// A row is K*CSi values (run = K*CSi), except for a single input channel held in a vector's
// lane 0 (the input image): 3 lanes in 4 would be zeros, so x is first copied to one value per
// pixel in `xc` and a row is K values rounded up to whole vectors (run = roundUp4(K)).

/** Returns how many of dy's values are nonzero (pad lanes are 0) and adds dy's sum over positions to gb. */
export function biasGradCount(dy: usize, positions: i32, CoP: i32, gb: usize): i32 {
  const ds = <usize>CoP << 2
  const z = f32x4.splat(0)
  let count = i32x4.splat(0)
  for (let c: usize = 0; c < <usize>CoP << 2; c += 16) {
    // Four sums, of positions 4k, 4k+1, 4k+2 and 4k+3, so that no add waits for the one before.
    let a0 = z
    let a1 = z
    let a2 = z
    let a3 = z
    let dp = dy + c
    let i = 0
    for (; i + 4 <= positions; i += 4) {
      const u0 = v128.load(dp)
      const u1 = v128.load(dp + ds)
      const u2 = v128.load(dp + ds * 2)
      const u3 = v128.load(dp + ds * 3)
      a0 = f32x4.add(a0, u0)
      a1 = f32x4.add(a1, u1)
      a2 = f32x4.add(a2, u2)
      a3 = f32x4.add(a3, u3)
      const k01 = i32x4.add(f32x4.ne(u0, z), f32x4.ne(u1, z))
      const k23 = i32x4.add(f32x4.ne(u2, z), f32x4.ne(u3, z))
      count = i32x4.sub(count, i32x4.add(k01, k23))
      dp += ds * 4
    }
    for (; i < positions; i++) {
      const u = v128.load(dp)
      a0 = f32x4.add(a0, u)
      count = i32x4.sub(count, f32x4.ne(u, z))
      dp += ds
    }
    v128.store(gb + c, f32x4.add(v128.load(gb + c), f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3))))
  }
  return i32x4.extract_lane(count, 0) + i32x4.extract_lane(count, 1) + i32x4.extract_lane(count, 2) + i32x4.extract_lane(count, 3)
}

/** A gwT row's length in values: see above. */
@inline export function sparseRun(K: i32, CSi: i32, compact: bool): i32 {
  return compact ? (K + 3) & ~3 : K * CSi
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
  storeVectors(g, V < 4 ? V : 4, a0, a1, a2, a3)
  if (V > 4) storeVectors(g + 64, V - 4, a4, a5, a6, a7)
}

/**
 * Up to 5 gwT rows (row r at g + r*run, read from x at + r*rowStep) x V = 1 or 2 vectors, summed
 * over the n listed values in registers: for short rows, so that enough sums run side by side.
 */
@inline function rows(x: usize, list: usize, n: i32, at: usize, rowStep: usize, g: usize, run: usize, R: i32, V: i32): void {
  const g1 = g + run
  const g2 = g1 + run
  const g3 = g2 + run
  const g4 = g3 + run
  let a0 = v128.load(g)
  let b0 = V > 1 ? v128.load(g, 16) : a0
  let a1 = R > 1 ? v128.load(g1) : a0
  let b1 = R > 1 && V > 1 ? v128.load(g1, 16) : a0
  let a2 = R > 2 ? v128.load(g2) : a0
  let b2 = R > 2 && V > 1 ? v128.load(g2, 16) : a0
  let a3 = R > 3 ? v128.load(g3) : a0
  let b3 = R > 3 && V > 1 ? v128.load(g3, 16) : a0
  let a4 = R > 4 ? v128.load(g4) : a0
  let b4 = R > 4 && V > 1 ? v128.load(g4, 16) : a0
  for (let k = 0; k < n; k++) {
    const e = list + (<usize>k << 3)
    const s = v128.load32_splat(e)
    const x0 = x + <usize>load<u32>(e, 4) + at
    a0 = madd(s, v128.load(x0), a0)
    if (V > 1) b0 = madd(s, v128.load(x0, 16), b0)
    if (R > 1) {
      const x1 = x0 + rowStep
      a1 = madd(s, v128.load(x1), a1)
      if (V > 1) b1 = madd(s, v128.load(x1, 16), b1)
    }
    if (R > 2) {
      const x2 = x0 + rowStep * 2
      a2 = madd(s, v128.load(x2), a2)
      if (V > 1) b2 = madd(s, v128.load(x2, 16), b2)
    }
    if (R > 3) {
      const x3 = x0 + rowStep * 3
      a3 = madd(s, v128.load(x3), a3)
      if (V > 1) b3 = madd(s, v128.load(x3, 16), b3)
    }
    if (R > 4) {
      const x4 = x0 + rowStep * 4
      a4 = madd(s, v128.load(x4), a4)
      if (V > 1) b4 = madd(s, v128.load(x4, 16), b4)
    }
  }
  v128.store(g, a0)
  if (V > 1) v128.store(g, b0, 16)
  if (R > 1) v128.store(g1, a1)
  if (R > 1 && V > 1) v128.store(g1, b1, 16)
  if (R > 2) v128.store(g2, a2)
  if (R > 2 && V > 1) v128.store(g2, b2, 16)
  if (R > 3) v128.store(g3, a3)
  if (R > 3 && V > 1) v128.store(g3, b3, 16)
  if (R > 4) v128.store(g4, a4)
  if (R > 4 && V > 1) v128.store(g4, b4, 16)
}

@inline function rowsOf(x: usize, list: usize, n: i32, at: usize, rowStep: usize, g: usize, run: usize, R: i32, V: i32): void {
  if (R >= 5) rows(x, list, n, at, rowStep, g, run, 5, V)
  else if (R == 4) rows(x, list, n, at, rowStep, g, run, 4, V)
  else if (R == 3) rows(x, list, n, at, rowStep, g, run, 3, V)
  else if (R == 2) rows(x, list, n, at, rowStep, g, run, 2, V)
  else rows(x, list, n, at, rowStep, g, run, 1, V)
}

/** A list's (value, offset) pair n. */
@inline function listAt(list: usize, n: i32, value: f32, offset: i32): void {
  const e = list + (<usize>n << 3)
  store<f32>(e, value)
  store<i32>(e, offset, 4)
}

/**
 * Lists channel co's nonzero dy values and their pixels' byte offsets in x (`pixel` bytes apart,
 * rows `rowStep` apart), without branches; returns how many.
 */
@inline function listChannel(dy: usize, ds: usize, OH: i32, OW: i32, pixel: u32, rowStep: u32, list: usize): i32 {
  let n = 0
  let d = dy
  for (let oy = 0; oy < OH; oy++) {
    let at = <u32>oy * rowStep
    for (let ox = 0; ox < OW; ox++) {
      const v = load<f32>(d)
      listAt(list, n, v, <i32>at)
      n += i32(v != 0)
      d += ds
      at += pixel
    }
  }
  return n
}

// What listTiles4 counted, per channel of its 4.
let listed0 = 0
let listed1 = 0
let listed2 = 0
let listed3 = 0

/**
 * listChannel for 4 channels at once, where dy comes from a 2x2 max-pool's backward pass that
 * tiles it: at most one value of each 2x2 tile is nonzero (the pool gives its gradient to the
 * first maximum only), so a tile's sum is that value, bit for bit, and it is listed with its
 * pixel. A quarter of the iterations, each on a vector of 4 channels; channel j's list starts
 * at list + j*cap bytes. The counts go to listed0..listed3. PH x PW tiles.
 *
 * POOLED (convPoolReluGrad, below): dy is the ReLU's above the pool instead, one value per tile,
 * which goes where the pooled value `py` is positive, to the pool's first maximum in its input
 * `cy`: the same lists, without the unpooled gradient. The tiles' values are also summed into gb,
 * as biasGradCountTiles sums them.
 */
@inline function listTiles4(dy: usize, ds: usize, PH: i32, PW: i32, pixel: u32, rowStep: u32, list: usize, cap: usize, POOLED: bool, cy: usize, py: usize, gb: usize): void {
  const zero = f32x4.splat(0)
  // Where each channel's next pair goes: its count is how far that has moved.
  let e0 = list
  let e1 = list + cap
  let e2 = e1 + cap
  let e3 = e2 + cap
  let a0 = zero
  let a1 = zero
  let a2 = zero
  let a3 = zero
  // A row of the unpooled gradient (POOLED: of the pool's input); two per row of tiles.
  const wideRow = <usize>(PW << 1) * ds
  // A tile's pixels relative to its first, in x: right, below, below right.
  const right = i32x4.splat(pixel)
  const below = i32x4.splat(rowStep)
  const belowRight = i32x4.splat(rowStep + pixel)
  const nextTile = i32x4.splat(pixel + pixel)
  let o: usize = 0
  for (let ty = 0; ty < PH; ty++) {
    let d = (POOLED ? cy : dy) + <usize>(ty << 1) * wideRow
    let at = i32x4.splat(<u32>(ty << 1) * rowStep)
    for (let tx = 0; tx < PW; tx++) {
      let v = zero
      let h0 = zero
      let h1 = zero
      let h2 = zero
      if (POOLED) {
        const m = v128.load(py + o)
        // The ReLU's backward pass, then the pool's: the first maximum in row-major order gets it.
        v = v128.and(v128.load(dy + o), f32x4.gt(m, zero))
        h0 = f32x4.eq(v128.load(d), m)
        h1 = f32x4.eq(v128.load(d + ds), m)
        h2 = f32x4.eq(v128.load(d + wideRow), m)
      } else {
        const d0 = v128.load(d)
        const d1 = v128.load(d + ds)
        const d2 = v128.load(d + wideRow)
        v = f32x4.add(f32x4.add(f32x4.add(d0, d1), d2), v128.load(d + wideRow + ds))
        h0 = f32x4.ne(d0, zero)
        h1 = f32x4.ne(d1, zero)
        h2 = f32x4.ne(d2, zero)
      }
      const where = i32x4.add(at, v128.andnot(v128.bitselect(right, v128.bitselect(below, belowRight, h2), h1), h0))
      // Each lane's (value, pixel) pair goes to its channel's list as one 8-byte store, and its
      // count moves on only if the value is nonzero: shuffles and a bit mask rather than a lane
      // extracted at a time, which kept the shuffle port busy.
      const lo = i32x4.shuffle(v, where, 0, 4, 1, 5)
      const hi = i32x4.shuffle(v, where, 2, 6, 3, 7)
      const listed = i32x4.bitmask(f32x4.ne(v, zero))
      v128.store64_lane(e0, lo, 0)
      v128.store64_lane(e1, lo, 1)
      v128.store64_lane(e2, hi, 0)
      v128.store64_lane(e3, hi, 1)
      e0 += <usize>(listed & 1) << 3
      e1 += <usize>(listed & 2) << 2
      e2 += <usize>(listed & 4) << 1
      e3 += <usize>(listed & 8)
      if (POOLED) {
        const t = f32x4.add(a0, v)
        a0 = a1
        a1 = a2
        a2 = a3
        a3 = t
      }
      d += ds + ds
      at = i32x4.add(at, nextTile)
      o += ds
    }
  }
  listed0 = <i32>((e0 - list) >> 3)
  listed1 = <i32>((e1 - list - cap) >> 3)
  listed2 = <i32>((e2 - list - cap * 2) >> 3)
  listed3 = <i32>((e3 - list - cap * 3) >> 3)
  if (POOLED) v128.store(gb, f32x4.add(v128.load(gb), tileSums(a0, a1, a2, a3, (PH * PW) & 3)))
}

/** gwT rows of one output channel (at g) += the filter gradient of its n listed values. */
function accumulateChannel(x: usize, list: usize, n: i32, g: usize, run: usize, rowStep: usize, K: i32): void {
  // Short rows (a compact input's: up to 2 vectors) are summed several rows at a time: 5 of 1
  // vector, 3 of 2, so that a pass's sums and the values it loads fit x64's 16 vector registers
  // (V8 loads all of an iteration's values before it multiplies; 5 rows of 2 spilled 3 sums and
  // 3 values to the stack on every listed value).
  const V = <i32>(run >> 4)
  if (V <= 2) {
    const per = V == 2 ? 3 : 5
    for (let ky = 0; ky < K; ky += per) {
      const at = <usize>ky * rowStep
      const gr = g + <usize>ky * run
      const R = min(per, K - ky)
      if (V == 2) rowsOf(x, list, n, at, rowStep, gr, run, R, 2)
      else rowsOf(x, list, n, at, rowStep, gr, run, R, 1)
    }
    return
  }
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

/** The 4 lists of listTiles4 (cap bytes apart) into 4 channels' gwT rows (channelBytes apart, from g). */
@inline function accumulateListed(x: usize, list: usize, cap: usize, g: usize, channelBytes: usize, run: usize, rowStep: usize, K: i32): void {
  if (listed0) accumulateChannel(x, list, listed0, g, run, rowStep, K)
  if (listed1) accumulateChannel(x, list + cap, listed1, g + channelBytes, run, rowStep, K)
  if (listed2) accumulateChannel(x, list + cap * 2, listed2, g + channelBytes * 2, run, rowStep, K)
  if (listed3) accumulateChannel(x, list + cap * 3, listed3, g + channelBytes * 3, run, rowStep, K)
}

/**
 * gwT += the filter gradient of dy's nonzero values; `list` holds 2 words per output position.
 * With `xc` (a single input channel), x is first copied there one value per pixel (H*W + 4
 * values). `tiles`: dy comes from a 2x2 max-pool that tiles it (see listTiles4).
 */
export function convFilterGradSparse(x: usize, dy: usize, OH: i32, OW: i32, CoP: i32, Cout: i32, H: i32, W: i32, CSi: i32, K: i32, list: usize, gwT: usize, xc: usize, tiles: bool): void {
  sparseFilterGrad(x, dy, OH, OW, CoP, Cout, H, W, CSi, K, list, gwT, xc, tiles, false, 0, 0, 0)
}

/** convFilterGradSparse's body; POOLED (with tiles): convPoolReluGrad's, dy the ReLU's above the pool (see listTiles4). */
@inline function sparseFilterGrad(x: usize, dy: usize, OH: i32, OW: i32, CoP: i32, Cout: i32, H: i32, W: i32, CSi: i32, K: i32, list: usize, gwT: usize, xc: usize, tiles: bool, POOLED: bool, cy: usize, py: usize, gb: usize): void {
  const compact = xc != 0
  if (compact) {
    const from = <usize>CSi << 2
    for (let i = 0; i < H * W; i++) store<f32>(xc + (<usize>i << 2), load<f32>(x + <usize>i * from))
    x = xc
  }
  const pixel = <u32>(compact ? 1 : CSi) << 2
  const rowStep = <u32>W * pixel
  const run = <usize>sparseRun(K, CSi, compact) << 2
  const ds = <usize>CoP << 2
  const channelBytes = <usize>K * run
  if (tiles) {
    // A quarter of the positions per channel: 4 channels' lists fit where one position's 2 words go.
    const cap = <usize>(OH * OW) << 1
    for (let c = 0; c < Cout; c += 4) {
      const at = <usize>c << 2
      listTiles4(dy + at, ds, OH >> 1, OW >> 1, pixel, rowStep, list, cap, POOLED, cy + at, py + at, gb + at)
      accumulateListed(x, list, cap, gwT + <usize>c * channelBytes, channelBytes, run, rowStep, K)
    }
    return
  }
  for (let co = 0; co < Cout; co++) {
    const n = listChannel(dy + (<usize>co << 2), ds, OH, OW, pixel, rowStep, list)
    if (n) accumulateChannel(x, list, n, gwT + <usize>co * channelBytes, run, rowStep, K)
  }
}

// ---- through a 2x2 max-pool and a ReLU -----------------------------------------------------
//
// Where a convolution's output goes only into a 2x2 stride-2 max-pool that tiles it, the pool's
// only into a ReLU, and no gradient flows below the convolution (the lowest layer with weights),
// its filter and bias gradients come straight from the ReLU's dy: the pool's and the ReLU's
// backward passes would write a gradient as large as the convolution's output, nonzero at most
// once per tile, only for the lists above to find each nonzero again. Here each tile's value is
// the ReLU's dy where the pooled value is positive, and its pixel the pool's first maximum (as
// maxPoolBackward's). The lists, and the bias's sums (biasGradCountTiles's order), are those of
// the three layers one by one: the same bits. ../program.ts fuses only where the sparse form
// costs no more than the dense one even with every value nonzero, so nothing is counted first
// (and one by one, a tie goes to the sparse form too).

/**
 * The four sums of a vector of channels, a0 holding tile t's (t & 3 = `phase`) after a rotation
 * per tile: their total in biasGradCount's association, (sum 0 + sum 1) + (sum 2 + sum 3).
 */
@inline function tileSums(a0: v128, a1: v128, a2: v128, a3: v128, phase: i32): v128 {
  // a0 holds sum `phase`, a1 sum phase + 1, ... (mod 4).
  if (phase == 1) return f32x4.add(f32x4.add(a3, a0), f32x4.add(a1, a2))
  if (phase == 2) return f32x4.add(f32x4.add(a2, a3), f32x4.add(a0, a1))
  if (phase == 3) return f32x4.add(f32x4.add(a1, a2), f32x4.add(a3, a0))
  return f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3))
}

/**
 * biasGradCount where a 2x2 max-pool tiles dy (at most one value per tile and channel is nonzero,
 * see listTiles4): each tile's sum is that value, and the tiles, in row-major order, are summed
 * four ways as biasGradCount sums positions (tile t into sum t & 3). The order convPoolReluGrad
 * can follow without writing the unpooled gradient.
 */
export function biasGradCountTiles(dy: usize, OH: i32, OW: i32, CoP: i32, gb: usize): i32 {
  const ds = <usize>CoP << 2
  const dRow = <usize>OW * ds
  const zero = f32x4.splat(0)
  const tiles = (OH >> 1) * (OW >> 1)
  let count = i32x4.splat(0)
  for (let c: usize = 0; c < ds; c += 16) {
    let a0 = zero
    let a1 = zero
    let a2 = zero
    let a3 = zero
    for (let oy = 0; oy + 1 < OH; oy += 2) {
      let d = dy + <usize>oy * dRow + c
      for (let ox = 0; ox + 1 < OW; ox += 2) {
        const v = f32x4.add(f32x4.add(f32x4.add(v128.load(d), v128.load(d + ds)), v128.load(d + dRow)), v128.load(d + dRow + ds))
        count = i32x4.sub(count, f32x4.ne(v, zero))
        const t = f32x4.add(a0, v)
        a0 = a1
        a1 = a2
        a2 = a3
        a3 = t
        d += ds + ds
      }
    }
    v128.store(gb + c, f32x4.add(v128.load(gb + c), tileSums(a0, a1, a2, a3, tiles & 3)))
  }
  return i32x4.extract_lane(count, 0) + i32x4.extract_lane(count, 1) + i32x4.extract_lane(count, 2) + i32x4.extract_lane(count, 3)
}

/**
 * The filter and bias gradients of a convolution (input x, output cy: OH x OW x CoP) followed by
 * a tiling 2x2 max-pool (output py) and a ReLU whose dy is given; see above.
 */
export function convPoolReluGrad(x: usize, H: i32, W: i32, CSi: i32, K: i32, cy: usize, OH: i32, OW: i32, CoP: i32, Cout: i32, py: usize, dy: usize, list: usize, gwT: usize, xc: usize, gb: usize): void {
  sparseFilterGrad(x, dy, OH, OW, CoP, Cout, H, W, CSi, K, list, gwT, xc, true, true, cy, py, gb)
}

/** gw[(ky, kx, ci)][co] += gwT[co][ky][kx * pixelValues + ci] (rows of `run` values); gwT back to 0. */
export function convFoldFilterGrad(gwT: usize, K: i32, Cin: i32, pixelValues: i32, run: i32, Cout: i32, CoP: i32, gw: usize): void {
  const channel = K * run
  for (let co = 0; co < Cout; co++) {
    for (let ky = 0; ky < K; ky++) {
      for (let kx = 0; kx < K; kx++) {
        for (let ci = 0; ci < Cin; ci++) {
          const src = gwT + (<usize>(co * channel + ky * run + kx * pixelValues + ci) << 2)
          const dst = gw + (<usize>(((ky * K + kx) * Cin + ci) * CoP + co) << 2)
          store<f32>(dst, load<f32>(dst) + load<f32>(src))
        }
      }
    }
  }
  memory.fill(gwT, 0, <usize>(Cout * channel) << 2)
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
  storeVectors(gp, V, a0, a1, a2, a3)
  if (PAIR) storeVectors(q, V, b0, b1, b2, b3)
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
        listAt(nz, n, v, co * <i32>rs)
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
