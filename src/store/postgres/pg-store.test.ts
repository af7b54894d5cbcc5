import { freshDatabase } from '../../../test/support/postgres-server.js';
import { storeContract } from '../store.contract.js';
import { PgStore } from './pg-store.js';

storeContract('postgres', async () => PgStore.open(await freshDatabase()));
