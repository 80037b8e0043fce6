// The optimizers, element for element as tfjs-core 4.22 writes them (each line one f32 op, in
// tfjs's order, so the same gradient gives the same weights bit for bit). g is the batch's
// gradient sum divided by the batch size: the gradient of the mean loss.
//
//   sgd       w = (-lr) * g + w
//   momentum  a = m * a + g;            w = (-lr) * a + w
//   adam      m = m * b1 + g * (1 - b1);  v = v * b2 + g^2 * (1 - b2)
//             w = (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps) * (-lr) + w
//   rmsprop   ms = ms * d + g^2 * (1 - d);  mom = mom * mu + (g * lr) / sqrt(ms + eps);  w = w - mom
// The scalars (1 - b1 and the like) are computed by the caller exactly as tfjs rounds them.

export const OPT_SGD = 0
export const OPT_MOMENTUM = 1
export const OPT_ADAM = 2
export const OPT_RMSPROP = 3

/** a += b over n floats (n a multiple of 4). */
export function addInto(a: usize, b: usize, n: i32): void {
  for (let i: usize = 0; i < (<usize>n << 2); i += 16) v128.store(a + i, f32x4.add(v128.load(a + i), v128.load(b + i)))
}

/**
 * One optimizer step over n floats. `other` (0 for none): another replica's gradient sums, added
 * to gsum's in the same pass (gsum + other, as addInto would, then divided by count); gsum is
 * left as it was. This saves addInto's own pass, which read gsum and other and wrote gsum back
 * for the step to read again: for MLP 512,512 each is 2.7 MB, streamed from beyond the L2 by both
 * threads at once.
 */
export function update(kind: i32, w: usize, gsum: usize, other: usize, s1: usize, s2: usize, n: i32, count: f32, c0: f32, c1: f32, c2: f32, c3: f32, c4: f32, c5: f32, c6: f32, c7: f32): void {
  const bytes = <usize>n << 2
  const cnt = f32x4.splat(count)
  const k0 = f32x4.splat(c0)
  const k1 = f32x4.splat(c1)
  const k2 = f32x4.splat(c2)
  const k3 = f32x4.splat(c3)
  const k4 = f32x4.splat(c4)
  const k5 = f32x4.splat(c5)
  const k6 = f32x4.splat(c6)
  const k7 = f32x4.splat(c7)
  for (let i: usize = 0; i < bytes; i += 16) {
    let sum = v128.load(gsum + i)
    if (other) sum = f32x4.add(sum, v128.load(other + i))
    const g = f32x4.div(sum, cnt)
    const v = v128.load(w + i)
    if (kind == OPT_SGD) {
      // c0 = -lr
      v128.store(w + i, f32x4.add(f32x4.mul(k0, g), v))
    } else if (kind == OPT_MOMENTUM) {
      // c0 = -lr, c1 = momentum
      const a = f32x4.add(f32x4.mul(k1, v128.load(s1 + i)), g)
      v128.store(s1 + i, a)
      v128.store(w + i, f32x4.add(f32x4.mul(k0, a), v))
    } else if (kind == OPT_ADAM) {
      // c0 = -lr, c1 = b1, c2 = 1 - b1, c3 = b2, c4 = 1 - b2, c5 = eps, c6 = 1 - b1^t, c7 = 1 - b2^t
      const m = f32x4.add(f32x4.mul(v128.load(s1 + i), k1), f32x4.mul(g, k2))
      const q = f32x4.add(f32x4.mul(v128.load(s2 + i), k3), f32x4.mul(f32x4.mul(g, g), k4))
      v128.store(s1 + i, m)
      v128.store(s2 + i, q)
      const mh = f32x4.div(m, k6)
      const qh = f32x4.div(q, k7)
      v128.store(w + i, f32x4.add(f32x4.mul(f32x4.div(mh, f32x4.add(f32x4.sqrt(qh), k5)), k0), v))
    } else {
      // c0 = lr, c1 = decay, c2 = 1 - decay, c3 = momentum, c4 = eps
      const ms = f32x4.add(f32x4.mul(v128.load(s1 + i), k1), f32x4.mul(f32x4.mul(g, g), k2))
      const mom = f32x4.add(f32x4.mul(v128.load(s2 + i), k3), f32x4.div(f32x4.mul(g, k0), f32x4.sqrt(f32x4.add(ms, k4))))
      v128.store(s1 + i, ms)
      v128.store(s2 + i, mom)
      v128.store(w + i, f32x4.sub(v, mom))
    }
  }
}
