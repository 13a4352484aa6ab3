// The model's shapes are shared with the daemons (shared/contract/device-schemas.ts); what
// only the hub uses is defined here.
import type { Device } from '../../shared/index.js';
export {
  collectorInputSchema,
  DEFAULT_COLLECTOR_PROPERTIES,
  describeIssues,
  deviceInputSchema,
  devicePatchSchema,
  datapointSchema,
  datasourceSchema,
  ID,
  NAME,
  severitySchema,
} from '../../shared/index.js';
export type {
  CollectorRecord as Collector,
  DatapointInput,
  DatasourceInput,
  Device,
  DeviceInput,
  DevicePatch,
} from '../../shared/index.js';

/** What one change did to one collector's devices; a move yields two (removed here, updated there). */
export interface ModelChange {
  collector: string;
  generation: number;
  updated: Device[];
  removed: string[];
  /** The collector's properties (defaults filled in) when they changed. */
  properties?: Record<string, unknown>;
}
