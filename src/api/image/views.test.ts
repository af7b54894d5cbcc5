import assert from 'node:assert/strict';
import { test } from 'node:test';
import { variedImages } from '../../../test/support/varied-images.js';
import { imageListBody, imageView } from './views.js';

test('image list bodies are what serializing the images’ views gives, with and without a next link', () => {
  const images = variedImages(60);
  // Twice over: the second time the frozen images' renderings are kept ones.
  for (let round = 0; round < 2; round++) {
    for (const count of [0, 1, 25, 60]) {
      const page = images.slice(0, count);
      for (const next of [undefined, `/v2/images?limit=${count}&marker=${page.at(-1)?.id ?? ''}`]) {
        const first = '/v2/images?limit=25&name=%C3%BC+%22q%22';
        const expected = JSON.stringify({ images: page.map(imageView), first, schema: '/v2/schemas/images', ...(next === undefined ? {} : { next }) });
        assert.equal(imageListBody(page, first, next).toString('utf8'), expected, `${count} images, next ${next}`);
      }
    }
  }
});
