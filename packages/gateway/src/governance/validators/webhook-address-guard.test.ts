import { describe, expect, it } from 'vitest';
import {
  type AddressKind,
  classifyAddress,
  isAllowedWebhookAddress,
} from './webhook-address-guard.ts';

const cases: [address: string, kind: AddressKind][] = [
  ['93.184.215.14', 'public'],
  ['8.8.8.8', 'public'],
  ['172.32.0.1', 'public'],
  ['100.128.0.1', 'public'],
  ['2606:4700:4700::1111', 'public'],
  ['::ffff:8.8.8.8', 'public'],
  ['64:ff9b::808:808', 'public'],
  ['127.0.0.1', 'loopback'],
  ['127.255.0.9', 'loopback'],
  ['::1', 'loopback'],
  ['::ffff:127.0.0.1', 'loopback'],
  ['0:0:0:0:0:ffff:7f00:1', 'loopback'],
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['::', 'unspecified'],
  ['169.254.169.254', 'metadata'],
  ['::ffff:a9fe:a9fe', 'metadata'],
  ['::ffff:169.254.169.254', 'metadata'],
  ['64:ff9b::a9fe:a9fe', 'metadata'],
  ['64:ff9b::169.254.169.254', 'metadata'],
  ['169.254.170.2', 'metadata'],
  ['fd00:ec2::254', 'metadata'],
  ['100.100.100.200', 'metadata'],
  ['169.254.1.1', 'link-local'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local'],
  ['10.0.0.1', 'private'],
  ['172.16.5.4', 'private'],
  ['192.168.1.1', 'private'],
  ['::ffff:10.1.2.3', 'private'],
  ['64:ff9b::a00:1', 'private'],
  ['100.64.0.1', 'shared'],
  ['fd12:3456::1', 'unique-local'],
  ['fc00::1', 'unique-local'],
  ['224.0.0.1', 'reserved'],
  ['255.255.255.255', 'reserved'],
  ['192.0.2.1', 'reserved'],
  ['::7f00:1', 'reserved'],
  ['ff02::1', 'reserved'],
  ['2001:db8::1', 'reserved'],
  ['localhost', 'not-an-ip'],
  ['', 'not-an-ip'],
];

describe('webhook address guard', () => {
  it.each(cases)('classifies %s as %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it('allows only public addresses by default', () => {
    for (const [address, kind] of cases) {
      expect([address, isAllowedWebhookAddress(kind, false)]).toEqual([address, kind === 'public']);
    }
  });

  it('with private networks allowed, still refuses metadata, unspecified and reserved addresses', () => {
    const allowed = (address: string) => isAllowedWebhookAddress(classifyAddress(address), true);
    for (const address of ['127.0.0.1', '::1', '10.0.0.1', '100.64.0.1', 'fd12::1', 'fe80::1']) {
      expect([address, allowed(address)]).toEqual([address, true]);
    }
    for (const address of [
      '169.254.169.254',
      '::ffff:a9fe:a9fe',
      'fd00:ec2::254',
      '0.0.0.0',
      '::',
      '224.0.0.1',
      'localhost',
    ]) {
      expect([address, allowed(address)]).toEqual([address, false]);
    }
  });
});
