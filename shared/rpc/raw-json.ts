/**
 * An answer this process has already encoded as JSON (rows whose bodies the store keeps as
 * JSON text, spliced into one answer): the broker sends it as it is, without walking and
 * encoding it again. Only for text made by this process's own JSON.stringify, never for text
 * from a socket: it is not checked again. The frame limit still applies (HUB_ERR_TOO_LARGE).
 */
export class RawJson {
  constructor(readonly json: string) {}
}
