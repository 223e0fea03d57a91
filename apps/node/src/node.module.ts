import { IdentityStore, SigV4Verifier } from '@trent/auth';
import { NodeConfig } from '@trent/config';
import { AdminRequest, KmsService } from '@trent/kms';
import { DynamicModule, Module } from '@nestjs/common';
import { AdminController } from './admin.controller';
import { KmsApiController } from './kms-api.controller';
import { NODE_ADMIN, NODE_CONFIG } from './tokens';

export type NodeAdmin = (request: AdminRequest) => Promise<{ status: number; body: unknown }>;

/** One node of one Region: the KMS API, Trent's admin routes, and the services behind them. */
@Module({})
export class NodeModule {
  static register(config: NodeConfig, kms: KmsService, identities: IdentityStore, admin: NodeAdmin): DynamicModule {
    return {
      module: NodeModule,
      controllers: [KmsApiController, AdminController],
      providers: [
        { provide: NODE_CONFIG, useValue: config },
        { provide: KmsService, useValue: kms },
        { provide: NODE_ADMIN, useValue: admin },
        // SigV4 checks the wall clock, never cluster time: moving the cluster clock must not expire signatures.
        { provide: SigV4Verifier, useValue: new SigV4Verifier(identities, Date.now) },
      ],
    };
  }
}
