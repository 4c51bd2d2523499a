import t from 'tap'
import { fileURLToPath } from 'node:url'
import { serviceStartupTests } from '@addonkit/testkit'
import { buildApp } from '../src/app.js'
import { loadGatewayConfig } from '../src/config.js'

serviceStartupTests(t, { loadConfig: loadGatewayConfig, buildApp: (c) => buildApp(c), serverFile: fileURLToPath(new URL('../src/server.ts', import.meta.url)) })
