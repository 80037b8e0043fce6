// The models the benches time (npm run bench, npm run bench:engine): the course's CNN and two
// MLPs, each with the PyTorch reference script and arguments that train the same recipe, and the
// goal of issue 21 for its ratio to PyTorch.
import type { HyperparamsInput } from '../src/shared/hyperparams'

export const BENCH_MODELS: Record<string, { label: string; input: HyperparamsInput; script: string; args: string[]; goal: number }> = {
  cnn: { label: "the course's Net", input: {}, script: 'seed_reference.py', args: [], goal: 0.45 },
  mlp100: { label: 'MLP 100', input: { architecture: { preset: 'mlp', hidden: [100] } }, script: 'mlp_reference.py', args: ['100'], goal: 1 },
  mlp512: { label: 'MLP 512,512', input: { architecture: { preset: 'mlp', hidden: [512, 512] } }, script: 'mlp_reference.py', args: ['512,512'], goal: 1 }
}
