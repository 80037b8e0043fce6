// The backend a run started now would train on, with the threads it would use: the lab's own
// engine where it covers the model, else tfjs's backend (split over two workers where it can).
import type { BackendInfo } from '@shared/run-types'
import { splitsOverThreads } from '../engine/data-parallel'
import { defaultEngine } from '../fastnet/describe'
import { selectBackend } from '../backend/select'

export async function trainingBackend(): Promise<BackendInfo> {
  const info = await selectBackend()
  const fast = defaultEngine(info)
  if (fast) return fast
  return splitsOverThreads(info.name) ? { ...info, threads: 2, note: [info.note, 'data parallel over 2 worker threads'].filter(Boolean).join('; ') } : info
}
