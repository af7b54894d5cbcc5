/**
 * Interoperable image import (`glance/api/v2/images.py` import_image, `glance/async_/flows/api_image_import.py`).
 */

/** The import methods this site offers, as the reference deployment lists them. */
export const IMPORT_METHODS = ['glance-direct', 'web-download', 'copy-image'] as const;
export type ImportMethod = (typeof IMPORT_METHODS)[number];
