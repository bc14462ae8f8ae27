export { DOCTOR_USAGE, runDoctor } from './doctor.js';

// Types. Values come first, then types; this comment keeps Biome's import sorting from
// interleaving the two groups.

export type { DoctorIo } from './doctor.js';
export type { DoctorCheck, DoctorReport } from './report.js';
