import { route } from '../../../webhook.mjs';

export const POST = route;
