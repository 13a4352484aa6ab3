import { SuperJSON } from 'superjson';

/**
 * The one superjson instance of zhub. Private (not superjson's default export), so zhub's
 * registrations never leak into, or depend on, an application's own use of superjson.
 */
export const codec = new SuperJSON();
