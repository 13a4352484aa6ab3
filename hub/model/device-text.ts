import type { DeviceText } from '../store/store.js';

/** A device row as both stores read it for the paged pull: the bodies still JSON text. */
export interface DeviceTextRow {
  id: string;
  title: string;
  address: string;
  collector: string;
  /** JSON text as stored (the store wrote it with JSON.stringify, or PostgreSQL's jsonb::text). */
  properties: string;
  datasources: string;
  updated_at: number;
  generation: number;
}

/**
 * The JSON of a Device made from a row without parsing its bodies: the same fields in the
 * same order as the stores' `toDevice`. Safe to splice because the bodies are JSON the store
 * itself wrote after validating them, and every other field is encoded here.
 */
export function deviceText(r: DeviceTextRow): DeviceText {
  const json =
    `{"id":${JSON.stringify(r.id)},"title":${JSON.stringify(r.title)},` +
    `"address":${JSON.stringify(r.address)},"collector":${JSON.stringify(r.collector)},` +
    `"properties":${r.properties},"datasources":${r.datasources},` +
    `"updatedAt":${Number(r.updated_at)},"generation":${Number(r.generation)}}`;
  return { id: r.id, collector: r.collector, json };
}
