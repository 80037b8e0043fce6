// Saves generated files through the browser's download mechanism (Electron shows a save dialog).
export function download(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }))
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

export function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

export function dataUrlToBytes(url: string): Uint8Array<ArrayBuffer> {
  return base64ToBytes(url.slice(url.indexOf(',') + 1))
}

/** A file-name-safe form of a run's name: "run-12-course-cnn". */
export function runFileStem(id: number, name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
  return slug ? `run-${id}-${slug}` : `run-${id}`
}
