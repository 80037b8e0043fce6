// How views ask the lab (use-request.ts): the newest request wins and a late reply is dropped,
// `loading` says whether one is on its way, errors keep the lab's kind, and a view that cancels
// (or ends) gets no reply after that. Replies are promises the test settles in the order it likes.
import { describe, expect, it, vi } from 'vitest'
import { effectScope } from 'vue'
import { LabRequestError } from '../../../../src/shared/lab-request-error'
import { errorText, followChanges, useAction, useRequest, type Request } from '../../../../src/renderer/src/lib/use-request'

/** A reply the test settles when it likes. */
function deferred<T>() {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** A request made in a scope, as a component makes it; `stop` ends the scope as unmounting does. */
function inScope(): { req: Request; stop: () => void } {
  const scope = effectScope()
  const req = scope.run(() => useRequest())!
  return { req, stop: () => scope.stop() }
}

describe('useRequest', () => {
  it('applies the newest reply only: an older one that comes back later is dropped', async () => {
    const { req } = inScope()
    const applied: string[] = []
    const first = deferred<string>()
    const second = deferred<string>()
    const a = req.run(
      () => first.promise,
      (v) => applied.push(v)
    )
    const b = req.run(
      () => second.promise,
      (v) => applied.push(v)
    )
    second.resolve('run 8')
    expect(await b).toBe(true)
    first.resolve('run 7')
    expect(await a).toBe(false)
    expect(applied).toEqual(['run 8'])
  })

  it('drops an older reply that comes back first too, and is loading until the newest is answered', async () => {
    const { req } = inScope()
    const applied: string[] = []
    const first = deferred<string>()
    const second = deferred<string>()
    expect(req.loading.value).toBe(false)
    const a = req.run(
      () => first.promise,
      (v) => applied.push(v)
    )
    expect(req.loading.value).toBe(true)
    const b = req.run(
      () => second.promise,
      (v) => applied.push(v)
    )
    first.resolve('run 7')
    expect(await a).toBe(false)
    expect(applied).toEqual([])
    expect(req.loading.value).toBe(true)
    second.resolve('run 8')
    expect(await b).toBe(true)
    expect(applied).toEqual(['run 8'])
    expect(req.loading.value).toBe(false)
  })

  it('keeps the kind of a failure, tells `failed`, and clears the error once a request succeeds', async () => {
    const { req } = inScope()
    const failed = vi.fn()
    const apply = vi.fn()
    expect(await req.run(() => Promise.reject(new LabRequestError('getRun', 'run 7 does not exist', 'missing')), apply, { failed })).toBe(false)
    expect(apply).not.toHaveBeenCalled()
    expect(req.error.value).toBeInstanceOf(LabRequestError)
    expect(req.error.value).toMatchObject({ request: 'getRun', kind: 'missing', message: 'run 7 does not exist' })
    expect(failed).toHaveBeenCalledWith(req.error.value)
    expect(req.loading.value).toBe(false)
    expect(await req.run(() => Promise.reject(new LabRequestError('renameRun', 'Invalid renameRun request: name must not be empty', 'invalid')), apply)).toBe(
      false
    )
    expect(req.error.value?.kind).toBe('invalid')
    expect(await req.run(() => Promise.resolve(1), apply)).toBe(true)
    expect(req.error.value).toBeNull()
    expect(apply).toHaveBeenCalledWith(1)
  })

  it("gives the page's own errors (not a lab reply) the kind 'failed'", async () => {
    const { req } = inScope()
    await req.run(
      () => Promise.reject(new Error('the digit is gone')),
      () => {}
    )
    expect(req.error.value).toMatchObject({ request: null, kind: 'failed', message: 'the digit is gone' })
  })

  it('drops the error of a request that was replaced: `failed` runs for the newest only', async () => {
    const { req } = inScope()
    const failed = vi.fn()
    const first = deferred<number>()
    const a = req.run(
      () => first.promise,
      () => {},
      { failed }
    )
    const b = req.run(
      () => Promise.resolve(2),
      () => {}
    )
    expect(await b).toBe(true)
    first.reject(new LabRequestError('getRun', 'run 7 does not exist', 'missing'))
    expect(await a).toBe(false)
    expect(failed).not.toHaveBeenCalled()
    expect(req.error.value).toBeNull()
  })

  it('runs requests under different keys side by side, each newest-wins in its own key', async () => {
    const { req } = inScope()
    const applied: string[] = []
    const run7 = deferred<string>()
    const run8 = deferred<string>()
    const run7again = deferred<string>()
    const a = req.run(
      () => run7.promise,
      (v) => applied.push(v),
      { key: 7 }
    )
    const b = req.run(
      () => run8.promise,
      (v) => applied.push(v),
      { key: 8 }
    )
    const c = req.run(
      () => run7again.promise,
      (v) => applied.push(v),
      { key: 7 }
    )
    run8.resolve('8')
    expect(await b).toBe(true)
    expect(req.loading.value).toBe(true)
    run7.resolve('7 old')
    expect(await a).toBe(false)
    run7again.resolve('7 new')
    expect(await c).toBe(true)
    expect(applied).toEqual(['8', '7 new'])
    expect(req.loading.value).toBe(false)
  })

  it("keeps one key's error while another key succeeds, until that key is answered again", async () => {
    // Compare reads each run under its own key: run 7 failing must stay said when run 8 answers.
    const { req } = inScope()
    const applied: number[] = []
    await req.run(
      () => Promise.reject(new LabRequestError('runMetrics', 'run 7 does not exist', 'missing')),
      () => {},
      { key: 7 }
    )
    await req.run(
      () => Promise.resolve(8),
      (v) => applied.push(v),
      { key: 8 }
    )
    expect(applied).toEqual([8])
    expect({ kind: req.error.value?.kind, message: req.error.value?.message }).toEqual({ kind: 'missing', message: 'run 7 does not exist' })
    await req.run(
      () => Promise.resolve(7),
      (v) => applied.push(v),
      { key: 7 }
    )
    expect(req.error.value).toBeNull()
    // A key cancelled (a run no longer compared) takes its error with it.
    const fail9 = () => Promise.reject(new LabRequestError('runMetrics', 'run 9 does not exist', 'missing'))
    await req.run(fail9, () => {}, { key: 9 })
    expect(req.error.value?.message).toBe('run 9 does not exist')
    req.cancel(9)
    expect(req.error.value).toBeNull()
  })

  it('cancel drops what is on its way (one key, or all), and so does the end of the scope', async () => {
    const { req, stop } = inScope()
    const applied: string[] = []
    const one = deferred<string>()
    const two = deferred<string>()
    const a = req.run(
      () => one.promise,
      (v) => applied.push(v),
      { key: 1 }
    )
    const b = req.run(
      () => two.promise,
      (v) => applied.push(v),
      { key: 2 }
    )
    req.cancel(1)
    expect(req.loading.value).toBe(true)
    one.resolve('1')
    expect(await a).toBe(false)
    req.cancel()
    expect(req.loading.value).toBe(false)
    two.resolve('2')
    expect(await b).toBe(false)

    const three = deferred<string>()
    const c = req.run(
      () => three.promise,
      (v) => applied.push(v)
    )
    stop()
    expect(req.loading.value).toBe(false)
    three.reject(new LabRequestError('getRun', 'run 3 does not exist', 'missing'))
    expect(await c).toBe(false)
    expect(applied).toEqual([])
    expect(req.error.value).toBeNull()
  })
})

describe('useAction', () => {
  it('clears the last error when pressed again, keeps the kind, and is busy while answered', async () => {
    const action = useAction()
    const reply = deferred<void>()
    const pressed = action.act(() => reply.promise)
    expect(action.busy.value).toBe(true)
    reply.reject(new LabRequestError('stopRun', 'run 4 is not training in this lab', 'conflict'))
    expect(await pressed).toBe(false)
    expect(action.busy.value).toBe(false)
    expect(action.error.value).toMatchObject({ request: 'stopRun', kind: 'conflict' })
    const again = deferred<void>()
    const second = action.act(() => again.promise)
    expect(action.error.value).toBeNull()
    again.resolve()
    expect(await second).toBe(true)
    expect(action.error.value).toBeNull()
  })

  it('counts every press: busy until the last one is answered', async () => {
    const action = useAction()
    const a = deferred<void>()
    const b = deferred<void>()
    const first = action.act(() => a.promise)
    const second = action.act(() => b.promise)
    a.resolve()
    await first
    expect(action.busy.value).toBe(true)
    b.resolve()
    await second
    expect(action.busy.value).toBe(false)
  })
})

describe('errorText', () => {
  it('says the first error there is, or nothing', () => {
    expect(errorText(null, new LabRequestError('getRun', 'run 7 does not exist', 'missing'), new LabRequestError(null, 'later', 'failed'))).toBe(
      'run 7 does not exist'
    )
    expect(errorText(null, null)).toBe('')
  })
})

describe('followChanges', () => {
  it('lands every read while changes come faster than reads answer: one on its way, the changes meanwhile read once after it', async () => {
    // A run training fast on a busy machine: its revision changes every epoch, faster than a read
    // answers. Replaced at every change (newest wins), no read ever landed and the view never showed.
    const { req } = inScope()
    const replies: ReturnType<typeof deferred<number>>[] = []
    let revision = 0
    const shown: number[] = []
    const follower = followChanges(() =>
      req.run(
        () => {
          const reply = deferred<number>()
          replies.push(reply)
          return reply.promise
        },
        (v) => shown.push(v)
      )
    )
    follower.restart()
    for (let i = 0; i < 5; i++) {
      revision++
      follower.changed()
    }
    expect(replies).toHaveLength(1)
    replies[0].resolve(revision - 5)
    await vi.waitFor(() => expect(replies).toHaveLength(2))
    expect(shown).toEqual([0])
    revision++
    follower.changed()
    replies[1].resolve(revision)
    await vi.waitFor(() => expect(replies).toHaveLength(3))
    replies[2].resolve(revision)
    await vi.waitFor(() => expect(shown).toEqual([0, 6, 6]))
    // Nothing changed since the last read: nothing more is read.
    expect(replies).toHaveLength(3)
  })

  it('restart reads at once, and the read it replaced does not start another when it ends', async () => {
    const { req } = inScope()
    const replies: ReturnType<typeof deferred<string>>[] = []
    const shown: string[] = []
    let run = 'run 1'
    const follower = followChanges(() => {
      const asked = run
      return req.run(
        () => {
          const reply = deferred<string>()
          replies.push(reply)
          return reply.promise
        },
        () => shown.push(asked)
      )
    })
    follower.restart()
    follower.changed()
    run = 'run 2'
    follower.restart()
    expect(replies).toHaveLength(2)
    replies[0].resolve('late')
    replies[1].resolve('now')
    await vi.waitFor(() => expect(shown).toEqual(['run 2']))
    expect(replies).toHaveLength(2)
  })
})
