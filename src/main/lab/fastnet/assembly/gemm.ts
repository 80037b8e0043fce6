// Dense layers for a WHOLE BATCH (rows are examples): matrix products in register tiles of up to
// 4 rows x 2 vectors, so each weight vector loaded serves 4 examples and a tile of the weights
// stays in cache across the batch; the per-example path read every weight once per example.
// Matrices are row-major with the given row strides in floats; column counts are multiples of 4.
import { madd } from './simd'

@inline function tile(a: usize, lda: usize, K: i32, b: usize, ldb: usize, bias: usize, c: usize, ldc: usize, R: i32, V: i32, more: bool): void {
  const z = f32x4.splat(0)
  let a00 = z, a01 = z, a10 = z, a11 = z, a20 = z, a21 = z, a30 = z, a31 = z
  if (more) {
    // The sums so far, from the blocks of K before this one: the same sums in the same order.
    a00 = v128.load(c)
    if (V > 1) a01 = v128.load(c, 16)
    if (R > 1) {
      a10 = v128.load(c + ldc)
      if (V > 1) a11 = v128.load(c + ldc, 16)
    }
    if (R > 2) {
      a20 = v128.load(c + 2 * ldc)
      if (V > 1) a21 = v128.load(c + 2 * ldc, 16)
    }
    if (R > 3) {
      a30 = v128.load(c + 3 * ldc)
      if (V > 1) a31 = v128.load(c + 3 * ldc, 16)
    }
  }
  let ap = a
  let bp = b
  for (let k = 0; k < K; k++) {
    const w0 = v128.load(bp)
    const w1 = V > 1 ? v128.load(bp, 16) : z
    const s0 = v128.load32_splat(ap)
    a00 = madd(s0, w0, a00)
    if (V > 1) a01 = madd(s0, w1, a01)
    if (R > 1) {
      const s1 = v128.load32_splat(ap + lda)
      a10 = madd(s1, w0, a10)
      if (V > 1) a11 = madd(s1, w1, a11)
    }
    if (R > 2) {
      const s2 = v128.load32_splat(ap + 2 * lda)
      a20 = madd(s2, w0, a20)
      if (V > 1) a21 = madd(s2, w1, a21)
    }
    if (R > 3) {
      const s3 = v128.load32_splat(ap + 3 * lda)
      a30 = madd(s3, w0, a30)
      if (V > 1) a31 = madd(s3, w1, a31)
    }
    ap += 4
    bp += ldb
  }
  // Bias last (a block of K that is not the last passes none), as the per-example path adds it.
  const b0 = bias ? v128.load(bias) : z
  const b1 = bias && V > 1 ? v128.load(bias, 16) : z
  v128.store(c, f32x4.add(a00, b0))
  if (V > 1) v128.store(c, f32x4.add(a01, b1), 16)
  if (R > 1) {
    v128.store(c + ldc, f32x4.add(a10, b0))
    if (V > 1) v128.store(c + ldc, f32x4.add(a11, b1), 16)
  }
  if (R > 2) {
    v128.store(c + 2 * ldc, f32x4.add(a20, b0))
    if (V > 1) v128.store(c + 2 * ldc, f32x4.add(a21, b1), 16)
  }
  if (R > 3) {
    v128.store(c + 3 * ldc, f32x4.add(a30, b0))
    if (V > 1) v128.store(c + 3 * ldc, f32x4.add(a31, b1), 16)
  }
}

@inline function rows(a: usize, lda: usize, K: i32, b: usize, ldb: usize, bias: usize, c: usize, ldc: usize, R: i32, N: i32, more: bool): void {
  let n = 0
  for (; n + 8 <= N; n += 8) tile(a, lda, K, b + (<usize>n << 2), ldb, bias ? bias + (<usize>n << 2) : 0, c + (<usize>n << 2), ldc, R, 2, more)
  if (n < N) tile(a, lda, K, b + (<usize>n << 2), ldb, bias ? bias + (<usize>n << 2) : 0, c + (<usize>n << 2), ldc, R, 1, more)
}

/**
 * Rows of B a strip takes at once. A strip's 8 columns are half of each 64-byte line they sit on,
 * so its K rows fill K lines: 784 of them (50 KB) for MLP 512,512's first layer, more than a
 * core's 32 KB L1, and every row tile reread it from L2. A block of 64 rows (4 KB) stays in L1.
 * Measured (bench:engine, MLP 512,512, one thread): blocks of 32-256 rows all 0.90-0.98x the time
 * per example of none, within the machine's noise of each other; 384, 0.965x.
 */
const KBLOCK = 64

/**
 * C = A . B (+ bias): A is M x K (row stride lda floats), B is K x N (ldb), C is M x N (ldc).
 * The forward pass (A the inputs, B the kernel) and the input gradient (A the output gradients,
 * B the kernel transposed).
 */
export function gemm(A: usize, M: i32, K: i32, lda: i32, B: usize, N: i32, ldb: i32, bias: usize, C: usize, ldc: i32): void {
  const la = <usize>lda << 2
  const lb = <usize>ldb << 2
  const lc = <usize>ldc << 2
  // Blocks of K rows, then column strips, then row tiles: a block of a K x 8 strip of B is reread
  // from L1 by every row tile. Each block carries the sums on from the one before it.
  const STRIP = 8
  for (let k0 = 0; k0 < K; k0 += KBLOCK) {
    const kn = min(KBLOCK, K - k0)
    const more = k0 > 0
    const last = k0 + kn == K
    const ak = A + (<usize>k0 << 2)
    const bk = B + <usize>k0 * lb
    for (let n0 = 0; n0 < N; n0 += STRIP) {
      const n = min(STRIP, N - n0)
      const bs = bk + (<usize>n0 << 2)
      const cs = C + (<usize>n0 << 2)
      const bias0 = bias && last ? bias + (<usize>n0 << 2) : 0
      let m = 0
      for (; m + 4 <= M; m += 4) rows(ak + <usize>m * la, la, kn, bs, lb, bias0, cs + <usize>m * lc, lc, 4, n, more)
      const r = M - m
      if (r == 3) rows(ak + <usize>m * la, la, kn, bs, lb, bias0, cs + <usize>m * lc, lc, 3, n, more)
      else if (r == 2) rows(ak + <usize>m * la, la, kn, bs, lb, bias0, cs + <usize>m * lc, lc, 2, n, more)
      else if (r == 1) rows(ak + <usize>m * la, la, kn, bs, lb, bias0, cs + <usize>m * lc, lc, 1, n, more)
    }
  }
}

@inline function gradTile(x: usize, ldx: usize, M: i32, dy: usize, ldy: usize, g: usize, ldg: usize, R: i32, V: i32): void {
  const z = f32x4.splat(0)
  let a00 = z, a01 = z, a10 = z, a11 = z, a20 = z, a21 = z, a30 = z, a31 = z
  let xp = x
  let dp = dy
  for (let m = 0; m < M; m++) {
    const d0 = v128.load(dp)
    const d1 = V > 1 ? v128.load(dp, 16) : z
    const s0 = v128.load32_splat(xp)
    a00 = madd(s0, d0, a00)
    if (V > 1) a01 = madd(s0, d1, a01)
    if (R > 1) {
      const s1 = v128.load32_splat(xp, 4)
      a10 = madd(s1, d0, a10)
      if (V > 1) a11 = madd(s1, d1, a11)
    }
    if (R > 2) {
      const s2 = v128.load32_splat(xp, 8)
      a20 = madd(s2, d0, a20)
      if (V > 1) a21 = madd(s2, d1, a21)
    }
    if (R > 3) {
      const s3 = v128.load32_splat(xp, 12)
      a30 = madd(s3, d0, a30)
      if (V > 1) a31 = madd(s3, d1, a31)
    }
    xp += ldx
    dp += ldy
  }
  v128.store(g, f32x4.add(v128.load(g), a00))
  if (V > 1) v128.store(g, f32x4.add(v128.load(g, 16), a01), 16)
  if (R > 1) {
    v128.store(g + ldg, f32x4.add(v128.load(g + ldg), a10))
    if (V > 1) v128.store(g + ldg, f32x4.add(v128.load(g + ldg, 16), a11), 16)
  }
  if (R > 2) {
    v128.store(g + 2 * ldg, f32x4.add(v128.load(g + 2 * ldg), a20))
    if (V > 1) v128.store(g + 2 * ldg, f32x4.add(v128.load(g + 2 * ldg, 16), a21), 16)
  }
  if (R > 3) {
    v128.store(g + 3 * ldg, f32x4.add(v128.load(g + 3 * ldg), a30))
    if (V > 1) v128.store(g + 3 * ldg, f32x4.add(v128.load(g + 3 * ldg, 16), a31), 16)
  }
}

@inline function gradRows(x: usize, ldx: usize, M: i32, dy: usize, ldy: usize, N: i32, g: usize, ldg: usize, R: i32): void {
  let n = 0
  for (; n + 8 <= N; n += 8) gradTile(x, ldx, M, dy + (<usize>n << 2), ldy, g + (<usize>n << 2), ldg, R, 2)
  if (n < N) gradTile(x, ldx, M, dy + (<usize>n << 2), ldy, g + (<usize>n << 2), ldg, R, 1)
}

/**
 * The weight and bias gradients of a batch: G[k][n] += sum over examples m of X[m][k] * DY[m][n],
 * gb[n] += sum of DY[m][n]. X is M x K (ldx), DY is M x N (ldy), G is K x N (row stride N).
 * Each tile sums over the batch in registers, in example order, then adds to G once.
 */
export function gemmGrad(X: usize, M: i32, K: i32, ldx: i32, DY: usize, N: i32, ldy: i32, G: usize, gb: usize): void {
  const lx = <usize>ldx << 2
  const ly = <usize>ldy << 2
  const lg = <usize>N << 2
  for (let n: usize = 0; n < lg; n += 16) {
    let a = f32x4.splat(0)
    for (let m = 0; m < M; m++) a = f32x4.add(a, v128.load(DY + <usize>m * ly + n))
    v128.store(gb + n, f32x4.add(v128.load(gb + n), a))
  }
  let k = 0
  for (; k + 4 <= K; k += 4) gradRows(X + (<usize>k << 2), lx, M, DY, ly, N, G + <usize>k * lg, lg, 4)
  const r = K - k
  if (r == 3) gradRows(X + (<usize>k << 2), lx, M, DY, ly, N, G + <usize>k * lg, lg, 3)
  else if (r == 2) gradRows(X + (<usize>k << 2), lx, M, DY, ly, N, G + <usize>k * lg, lg, 2)
  else if (r == 1) gradRows(X + (<usize>k << 2), lx, M, DY, ly, N, G + <usize>k * lg, lg, 1)
}

/**
 * WT (N x KP, pad columns 0) = the transpose of W (K x N): the input gradient's right-hand side.
 * Every step, after the update: 4 x 4 blocks by shuffles, over strips of 64 columns so that the
 * 64 rows of WT a strip writes stay in cache while each group of 4 rows of W fills 16 bytes of
 * each (a line over 4 groups). Written one float at a time, the stores 4 * KP bytes apart each
 * missed the cache: 2.1 ms a step for MLP 512,512's second layer, a fifth of its step on one
 * thread.
 */
export function transpose(W: usize, K: i32, N: i32, WT: usize, KP: i32): void {
  const lw = <usize>N << 2
  const lt = <usize>KP << 2
  const K4 = K & ~3
  for (let n0 = 0; n0 < N; n0 += 64) {
    const n1 = min(n0 + 64, N)
    for (let k = 0; k < K4; k += 4) {
      const w = W + <usize>k * lw
      const t = WT + (<usize>k << 2)
      let n = n0
      for (; n + 4 <= n1; n += 4) {
        const o = <usize>n << 2
        const a = v128.load(w + o)
        const b = v128.load(w + lw + o)
        const c = v128.load(w + 2 * lw + o)
        const d = v128.load(w + 3 * lw + o)
        const ab01 = v128.shuffle<f32>(a, b, 0, 4, 1, 5)
        const ab23 = v128.shuffle<f32>(a, b, 2, 6, 3, 7)
        const cd01 = v128.shuffle<f32>(c, d, 0, 4, 1, 5)
        const cd23 = v128.shuffle<f32>(c, d, 2, 6, 3, 7)
        const r = t + <usize>n * lt
        v128.store(r, v128.shuffle<f32>(ab01, cd01, 0, 1, 4, 5))
        v128.store(r + lt, v128.shuffle<f32>(ab01, cd01, 2, 3, 6, 7))
        v128.store(r + 2 * lt, v128.shuffle<f32>(ab23, cd23, 0, 1, 4, 5))
        v128.store(r + 3 * lt, v128.shuffle<f32>(ab23, cd23, 2, 3, 6, 7))
      }
      // Not reached while kernels' rows are padded to 4 columns (N is OUTP); a guard, should that change.
      for (; n < n1; n++) for (let j = 0; j < 4; j++) store<f32>(t + <usize>n * lt + (<usize>j << 2), load<f32>(w + <usize>j * lw + (<usize>n << 2)))
    }
    for (let k = K4; k < K; k++) {
      for (let n = n0; n < n1; n++) store<f32>(WT + (<usize>(n * KP + k) << 2), load<f32>(W + (<usize>(k * N + n) << 2)))
    }
  }
}
