import { route } from '../../../../webhook.mjs';

export const runtime = 'edge';
export const POST = route;
