import { IdentityStore, SigV4Verifier } from '@trent/auth';
import { NodeConfig } from '@trent/config';
import { KmsService } from '@trent/kms';
import { DynamicModule, Module } from '@nestjs/common';
import { AdminController } from './admin.controller';
import { KmsApiController } from './kms-api.controller';
import { NODE_CONFIG } from './tokens';

/** One node of one Region: the KMS API, Trent's admin routes, and the services behind them. */
@Module({})
export class NodeModule {
  static register(config: NodeConfig, kms: KmsService, identities: IdentityStore): DynamicModule {
    return {
      module: NodeModule,
      controllers: [KmsApiController, AdminController],
      providers: [
        { provide: NODE_CONFIG, useValue: config },
        { provide: KmsService, useValue: kms },
        // SigV4 checks the wall clock, never cluster time: moving the cluster clock must not expire signatures.
        { provide: SigV4Verifier, useValue: new SigV4Verifier(identities, Date.now) },
      ],
    };
  }
}
