/** Reads a starting server's stdout until it prints "listening on URL"; the reader stays open after. */
export async function listeningUrl(
  stdout: ReadableStream<Uint8Array>,
): Promise<{ url: string; reader: ReadableStreamDefaultReader<Uint8Array> }> {
  const reader = stdout.getReader()
  let text = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) throw new Error(`exited before listening: ${text}`)
    text += new TextDecoder().decode(value)
    const url = /listening on (\S+)/.exec(text)?.[1]
    if (url) return { url, reader }
  }
}
