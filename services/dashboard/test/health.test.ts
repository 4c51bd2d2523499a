import t from 'tap'
import { fileURLToPath } from 'node:url'
import { serviceStartupTests } from '@addonkit/testkit'
import { buildApp } from '../src/app.js'
import { loadDashboardConfig } from '../src/config.js'

serviceStartupTests(t, { loadConfig: loadDashboardConfig, buildApp: (c) => buildApp(c), serverFile: fileURLToPath(new URL('../src/server.ts', import.meta.url)) })
