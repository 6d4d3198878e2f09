// Step 5: where to look next — bosun's status dashboard, behind the token the tour configured
// (BOSUN_DASHBOARD_TOKEN), on the same port as the webhooks.
import type { TourContext } from './context.ts';

export interface DashboardInfo {
  url: string;
  token: string;
  /** What GET answered with the token (404: this build of bosun has no dashboard yet). */
  status: number;
}

export async function showDashboard(ctx: TourContext): Promise<DashboardInfo> {
  const url = `${ctx.stack.bot.server!.url}/dashboard`;
  const token = ctx.stack.dashboardToken;
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const page = await res.text();
  const anonymous = await fetch(url);
  await anonymous.body?.cancel();
  ctx.t.say(`Dashboard: ${url}`);
  ctx.t.say(`Token:     ${token}   (a browser asks for it: any user name, the token as password)`);
  ctx.t.say(`           or: curl -H 'Authorization: Bearer ${token}' ${url}`);
  if (res.status === 200) {
    const listed = [ctx.staging, ctx.production].filter((e) => page.includes(e.name)).map((e) => e.name);
    ctx.t.say(`It answers 200 with the token and ${anonymous.status} without it${listed.length > 0 ? `; the page lists ${listed.join(' and ')} (commit applied, health, drift, locks, recent jobs)` : ''}.`);
  } else {
    ctx.t.say(`It answered ${res.status} with the token${res.status === 404 ? ': this build of bosun does not serve the dashboard yet' : ''}.`);
  }
  return { url, token, status: res.status };
}
