// The engine that trains a run: the lab's own WebAssembly engine where it covers the model (see
// fastnet/choose.ts), otherwise tfjs, with the reason recorded in the run's backend.
import type { Hyperparams } from '@shared/hyperparams'
import { engineChoice, wantsFastnet } from '../fastnet/choose'
import { planFromModel } from '../fastnet/net-plan'
import { FastStepper } from '../fastnet/fast-stepper'
import type { PreparedRun } from '../engine/prepared-run'
import { startPartner, TfjsStepper, type StepPartner } from '../engine/tfjs-stepper'
import type { TrainStepper } from '../engine/train-stepper'

export type PartnerFactory = (hp: Hyperparams, r: PreparedRun) => Promise<{ partner: StepPartner | null; note: string }>

/** `partner` replaces tfjs's helper thread (tests inject failing ones): giving one trains on tfjs. */
export async function startStepper(hp: Hyperparams, r: PreparedRun, partner?: PartnerFactory): Promise<TrainStepper> {
  let fallback = ''
  if (!partner && wantsFastnet(r.backend)) {
    const forced = engineChoice() === 'fastnet'
    const planned = planFromModel(r.logits, r.shape)
    if ('plan' in planned) {
      try {
        return await FastStepper.start(hp, r, planned.plan)
      } catch (err) {
        if (forced) throw new Error(`DIGIT_LAB_ENGINE=fastnet could not start: ${(err as Error).message}`)
        fallback = `the lab's WebAssembly engine could not start (${(err as Error).message})`
      }
    } else {
      if (forced) throw new Error(`DIGIT_LAB_ENGINE=fastnet cannot train this model: it does not cover ${planned.unsupported}`)
      fallback = `the lab's WebAssembly engine does not cover ${planned.unsupported}`
    }
  }
  const made = await (partner ?? startPartner)(hp, r)
  return new TfjsStepper(r, made.partner, made.note, fallback)
}
