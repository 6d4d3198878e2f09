import { describe, expect, it } from 'vitest';
import { groupsOf, type ClusterInventory } from '../../src/model/cluster-inventory.ts';
import { criteriaMatch, decideTarget, defaultTarget, type ClusterCriteria, type ClusterFacts } from '../../src/discover/fleet-targets.ts';
import { fleetBundleName, fleetReleaseName, limitName } from '../../src/discover/fleet-names.ts';
import { selectorMatches } from '../../src/model/label-selector.ts';

const inventory: ClusterInventory = {
  clusters: [
    { name: 'dev', labels: { env: 'dev', region: 'eu' } },
    { name: 'prod-eu', labels: { env: 'prod', region: 'eu' } },
    { name: 'prod-us', labels: { env: 'prod', region: 'us' } },
    { name: 'lab', labels: {} },
  ],
  groups: [
    { name: 'production', selector: { matchLabels: { env: 'prod' } }, labels: { tier: 'critical' } },
    { name: 'europe', selector: { matchExpressions: [{ key: 'region', operator: 'In', values: ['eu'] }] }, labels: { geo: 'eu' } },
    { name: 'nothing', labels: {} },
  ],
};

function facts(name: string): ClusterFacts {
  const cluster = inventory.clusters.find((c) => c.name === name)!;
  return { name, labels: cluster.labels, groups: groupsOf(inventory, cluster) };
}

const t = (name: string, c: Partial<ClusterCriteria>): ClusterCriteria => ({ name, doNotDeploy: false, ...c });

describe('Fleet target matching', () => {
  it('puts a cluster in the groups whose selector matches its labels, and in none for a group without a selector', () => {
    expect([...facts('prod-eu').groups.keys()].sort()).toEqual(['europe', 'production']);
    expect([...facts('lab').groups.keys()]).toEqual([]);
  });

  it('matches on every criterion a target sets: clusterName, clusterGroup, clusterGroupSelector, clusterSelector', () => {
    expect(criteriaMatch(t('n', { clusterName: 'dev' }), facts('dev'))).toBe(true);
    expect(criteriaMatch(t('n', { clusterName: 'dev' }), facts('lab'))).toBe(false);
    expect(criteriaMatch(t('g', { clusterGroup: 'production' }), facts('prod-us'))).toBe(true);
    expect(criteriaMatch(t('g', { clusterGroup: 'production' }), facts('dev'))).toBe(false);
    expect(criteriaMatch(t('gs', { clusterGroupSelector: { matchLabels: { tier: 'critical' } } }), facts('prod-eu'))).toBe(true);
    // Criteria are and-ed: the production group, refined by a label selector.
    expect(criteriaMatch(t('both', { clusterGroup: 'production', clusterSelector: { matchLabels: { region: 'us' } } }), facts('prod-us'))).toBe(true);
    expect(criteriaMatch(t('both', { clusterGroup: 'production', clusterSelector: { matchLabels: { region: 'us' } } }), facts('prod-eu'))).toBe(false);
  });

  it('reads a selector {} as every cluster and a target without criteria as none, as Fleet does', () => {
    expect(criteriaMatch(t('all', { clusterSelector: {} }), facts('lab'))).toBe(true);
    expect(criteriaMatch(t('none', {}), facts('dev'))).toBe(false);
    // A cluster in no group is tried with no group labels: an empty group selector still matches it.
    expect(criteriaMatch(t('gs', { clusterGroupSelector: {} }), facts('lab'))).toBe(true);
  });

  it('needs clusterGroup and clusterGroupSelector to hold for the same group', () => {
    expect(criteriaMatch(t('x', { clusterGroup: 'europe', clusterGroupSelector: { matchLabels: { tier: 'critical' } } }), facts('prod-eu'))).toBe(false);
    expect(criteriaMatch(t('x', { clusterGroup: 'production', clusterGroupSelector: { matchLabels: { tier: 'critical' } } }), facts('prod-eu'))).toBe(true);
  });

  it('lets targets select clusters and takes the first matching customization (first match wins)', () => {
    const targets = [t('prod', { clusterSelector: { matchLabels: { env: 'prod' } } }), t('eu', { clusterGroup: 'europe' })];
    const customizations = [t('prod-eu', { clusterName: 'prod-eu' }), t('any-prod', { clusterGroup: 'production' }), t('eu', { clusterGroup: 'europe' })];
    const eu = decideTarget(targets, customizations, facts('prod-eu'));
    expect(eu).toMatchObject({ deploy: true, target: { name: 'prod' }, customizations: [{ name: 'prod-eu' }] });
    expect(decideTarget(targets, customizations, facts('prod-us'))).toMatchObject({ deploy: true, customizations: [{ name: 'any-prod' }] });
    expect(decideTarget(targets, customizations, facts('dev'))).toMatchObject({ deploy: true, target: { name: 'eu' }, customizations: [{ name: 'eu' }] });
    // targetCustomizationMode AllMatches: every match, in order.
    expect(decideTarget(targets, customizations, facts('prod-eu'), true)).toMatchObject({ deploy: true, customizations: [{ name: 'prod-eu' }, { name: 'any-prod' }, { name: 'eu' }] });
  });

  it('never lets a customization alone select a cluster, and keeps the bundle off where a match says doNotDeploy', () => {
    const targets = [t('prod', { clusterGroup: 'production' })];
    const none = decideTarget(targets, [t('lab', { clusterName: 'lab' })], facts('lab'));
    expect(none.deploy).toBe(false);
    expect(none).toMatchObject({ reason: expect.stringContaining('no target selects it (prod: clusterGroup production)') });
    expect(decideTarget([t('prod', { clusterGroup: 'production', doNotDeploy: true })], [], facts('prod-us'))).toMatchObject({ deploy: false, reason: 'target prod matches it with doNotDeploy' });
    expect(decideTarget(targets, [t('us', { clusterName: 'prod-us', doNotDeploy: true })], facts('prod-us'))).toMatchObject({ deploy: false, reason: 'targetCustomization us matches it with doNotDeploy' });
  });

  it("uses Fleet's default target, the cluster group default", () => {
    const withDefault: ClusterInventory = { ...inventory, groups: [...inventory.groups, { name: 'default', selector: { matchLabels: { env: 'dev' } }, labels: {} }] };
    const dev = inventory.clusters[0];
    expect(decideTarget([defaultTarget], [], { name: 'dev', labels: dev.labels, groups: groupsOf(withDefault, dev) }).deploy).toBe(true);
    expect(decideTarget([defaultTarget], [], facts('prod-eu')).deploy).toBe(false);
  });
});

describe('label selectors', () => {
  it('match as metav1.LabelSelectorAsSelector: matchLabels and In, NotIn, Exists, DoesNotExist', () => {
    const labels = { env: 'prod', tier: 'web' };
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { env: 'prod' } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { env: 'dev' } }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'env', operator: 'In', values: ['dev', 'prod'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'region', operator: 'NotIn', values: ['us'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, labels)).toBe(false);
  });
});

describe('Fleet bundle names', () => {
  // The vectors of rancher/fleet internal/names/name_test.go.
  it('cuts names to a length with a hash, never leaving a double dash (names.Limit)', () => {
    expect(limitName('1234567', 5)).toBe('12345');
    expect(limitName('1234567', 7)).toBe('1234567');
    expect(limitName('12345678', 7)).toBe('1-25d55');
    expect(limitName('123456789', 8)).toBe('12-25f9e');
    expect(limitName('1-3456789', 8)).toBe('1-9b657');
  });

  it('makes Helm release names as Fleet does (names.HelmReleaseName)', () => {
    const str50 = '1234567890'.repeat(5);
    const str53 = `${str50}123`;
    const str63 = `${str50}1234567890123`;
    expect(fleetReleaseName(str53)).toBe(str53);
    expect(fleetReleaseName(`${str53}a`)).toBe('12345678901234567890123456789012345678901234567-fdba4');
    expect(fleetReleaseName(`${str63}a`)).toBe('12345678901234567890123456789012345678901234567-eb12d');
    expect(fleetReleaseName('long-name-test-shortpath-with@char')).toBe('long-name-test-shortpath-with-char-031bab5e');
    expect(fleetReleaseName('long-name-test-shortpath-with+char')).toBe('long-name-test-shortpath-with-char-21c88393');
    expect(fleetReleaseName('long-name-test-0.App_ ')).toBe('long-name-test-0-app-5bf6b3fb');
    expect(fleetReleaseName('long-name-test--App_-_12.factor')).toBe('long-name-test-app-12-factor-0efbac37');
    expect(fleetReleaseName('bundle.name.example.com')).toBe('bundle-name-example-com-645ef821');
    expect(fleetReleaseName(`${str53.slice(0, 46)}-1234567`)).toBe('1234567890123456789012345678901234567890123456-d0bce');
  });

  it('names a bundle after its GitRepo and path, as the fleet.yaml reference documents', () => {
    expect(fleetBundleName('one', 'multi-cluster/hello-world')).toBe('one-multi-cluster-hello-world');
    expect(fleetBundleName('one', '.')).toBe('one');
  });
});
