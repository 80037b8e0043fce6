// The metrics CSV: a run's name cannot become a spreadsheet formula (OWASP's CSV injection rule),
// and numbers stay numbers, negative ones included.
import { describe, expect, it } from 'vitest'
import { metricsCsv } from '../../../../src/renderer/src/lib/csv'

const batch = { step: 1, epoch: 1, loss: -0.5, accuracy: 0.25, examplesPerSec: 100, elapsed: 1.5 }
const nameCell = (name: string) => metricsCsv([{ id: 7, name, batches: [batch], epochs: [] }]).split('\n')[1]

describe('metrics CSV', () => {
  it('names cumulative and per-epoch seconds differently, each in its own column', () => {
    const [header, batchRow, epochRow] = metricsCsv([
      {
        id: 1,
        name: 'n',
        batches: [batch],
        epochs: [{ epoch: 1, trainLoss: 1, trainAccuracy: 0.5, testLoss: 1, testAccuracy: 0.5, seconds: 4, numTensors: 9 }]
      }
    ]).split('\n')
    const columns = header.split(',')
    expect(columns).toContain('elapsed_seconds')
    expect(columns).toContain('epoch_seconds')
    expect(columns).not.toContain('seconds')
    const at = (row: string, name: string) => row.split(',')[columns.indexOf(name)]
    expect([at(batchRow, 'elapsed_seconds'), at(batchRow, 'epoch_seconds')]).toEqual(['1.5', ''])
    expect([at(epochRow, 'elapsed_seconds'), at(epochRow, 'epoch_seconds')]).toEqual(['', '4'])
  })

  it('quotes a name that a spreadsheet would run as a formula', () => {
    expect(nameCell('=HYPERLINK("http://evil","x")')).toBe(`7,"'=HYPERLINK(""http://evil"",""x"")",batch,1,1,-0.5,0.25,,,1.5,,100`)
    expect(nameCell('+1+2')).toBe("7,'+1+2,batch,1,1,-0.5,0.25,,,1.5,,100")
    expect(nameCell('-2+3')).toBe("7,'-2+3,batch,1,1,-0.5,0.25,,,1.5,,100")
    expect(nameCell('@SUM(A1)')).toBe("7,'@SUM(A1),batch,1,1,-0.5,0.25,,,1.5,,100")
    expect(nameCell('\t=1')).toBe("7,'\t=1,batch,1,1,-0.5,0.25,,,1.5,,100")
    expect(nameCell('\r=1')).toBe(`7,"'\r=1",batch,1,1,-0.5,0.25,,,1.5,,100`)
  })

  it('leaves ordinary names and every number as they are', () => {
    expect(nameCell('careful lr 0.001')).toBe('7,careful lr 0.001,batch,1,1,-0.5,0.25,,,1.5,,100')
    expect(nameCell('a = b, c')).toBe('7,"a = b, c",batch,1,1,-0.5,0.25,,,1.5,,100')
    const csv = metricsCsv([
      {
        id: 1,
        name: 'n',
        batches: [],
        epochs: [{ epoch: 2, trainLoss: -1e-7, trainAccuracy: 1, testLoss: Number.NaN, testAccuracy: 0.5, seconds: 3, numTensors: 9 }]
      }
    ])
    expect(csv.split('\n')[1]).toBe('1,n,epoch,2,,-1e-7,1,,0.5,,3,')
  })
})
