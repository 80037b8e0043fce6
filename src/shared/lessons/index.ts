// The course, in the deck's order. A teacher adds a lesson as a file in this folder and a line
// here; the Course view, the lesson CLI and the answer checks read them from this list.
import { activations } from './activations'
import { batchSize } from './batch-size'
import { convolution } from './convolution'
import { dropout } from './dropout'
import { learningRate } from './learning-rate'
import type { Lesson } from './lesson'
import { mlpVsCnn } from './mlp-vs-cnn'
import { net } from './net'
import { softmax } from './softmax'

export const LESSONS: readonly Lesson[] = [net, softmax, activations, learningRate, mlpVsCnn, convolution, dropout, batchSize]

export type { Choice, Finding, Lesson, LessonLook, RunEvidence } from './lesson'

export function lessonById(id: string): Lesson | undefined {
  return LESSONS.find((l) => l.id === id)
}
