// SPDX-License-Identifier: MIT
// php-versions.mjs: the WHMCS module under PHP versions Debian does not ship (7.4, 8.3), run as
// WebAssembly by @php-wasm/node (tests/whmcs-php-versions.sh runs it). In each version: every
// PHP file of whmcs_module/ parsed whole (token_get_all with TOKEN_PARSE: php -l's parse,
// without running the file), then the module loaded with the tests' stand-ins for WHMCS
// (whmcs_module/tests/bootstrap.php) and its entry points called: MetaData, ConfigOptions, the
// language files, MetricProvider's class and metrics(), and ClientArea, ListAccounts,
// ChangePassword and ChangePackage without a server (each must answer, not die).
//   node tests/lib/php-versions.mjs NPM_DIR SOURCE_DIR VERSION...
// NPM_DIR holds node_modules/@php-wasm/node (tools/install-deps puts it there). Exit 0 when
// every version passed, 1 when one failed, 77 when @php-wasm/node is not there.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

const [npmDir, sourceDir, ...versions] = process.argv.slice(2);
if (!npmDir || !sourceDir || versions.length === 0) {
	console.error('usage: node php-versions.mjs NPM_DIR SOURCE_DIR VERSION...');
	process.exit(2);
}
const pkg = (name) => join(npmDir, 'node_modules', name, 'index.js');
if (!existsSync(pkg('@php-wasm/node')) || !existsSync(pkg('@php-wasm/universal'))) {
	console.error(`SKIP: @php-wasm/node is not installed in ${npmDir} (tools/install-deps test installs it)`);
	process.exit(77);
}
const { loadNodeRuntime } = await import(pathToFileURL(pkg('@php-wasm/node')));
const { PHP } = await import(pathToFileURL(pkg('@php-wasm/universal')));

const moduleRoot = join(sourceDir, 'whmcs_module');
function files(dir) {
	return readdirSync(dir).sort().flatMap((name) => {
		const path = join(dir, name);
		return statSync(path).isDirectory() ? files(path) : [path];
	});
}
const all = files(moduleRoot);

// Runs PHP code; its output, or a thrown error carrying PHP's own output.
async function run(php, code) {
	try {
		const r = await php.run({ code });
		return { ok: r.exitCode === 0, text: r.text + (r.errors || '') };
	} catch (e) {
		const r = e.response || {};
		return { ok: false, text: (r.text || '') + (r.errors || '') || String(e) };
	}
}

const checks = `<?php
error_reporting(E_ALL);
ini_set('display_errors', '1');
set_error_handler(function ($no, $msg, $file, $line) { throw new ErrorException($msg, 0, $no, $file, $line); });
$fail = function ($what) { echo "FAIL: $what\\n"; exit(1); };
$root = '/whmcs_module';
$it = new RecursiveIteratorIterator(new RecursiveDirectoryIterator($root, FilesystemIterator::SKIP_DOTS));
$n = 0;
foreach ($it as $file) {
    if (substr($file, -4) !== '.php') { continue; }
    try {
        token_get_all(file_get_contents($file), TOKEN_PARSE);
    } catch (ParseError $e) {
        $fail("$file: " . $e->getMessage() . ' on line ' . $e->getLine());
    }
    $n++;
}
require $root . '/tests/bootstrap.php';
$m = vumaerp_MetaData();
if ($m['DisplayName'] !== 'VumaERP' || $m['ListAccountsUniqueIdentifierField'] !== 'customfield.db_name') { $fail('MetaData: ' . json_encode($m)); }
if (count(vumaerp_ConfigOptions()) !== 5) { $fail('ConfigOptions'); }
foreach (array('english', 'french', 'swahili') as $l) {
    if (count(vumaerp_lang($l)) !== count(vumaerp_lang_file('english'))) { $fail("language $l"); }
}
$provider = vumaerp_MetricProvider(array());
if (!($provider instanceof WHMCS\\UsageBilling\\Contracts\\Metrics\\ProviderInterface) || array_keys($provider->metrics()) !== array('users', 'disk')) { $fail('MetricProvider'); }
$ca = vumaerp_ClientArea(array('clientsdetails' => array('language' => 'swahili')));
if ($ca['templateVariables']['vumaerpError'] !== 'Hali ya ERP haipatikani kwa sasa.') { $fail('ClientArea: ' . json_encode($ca)); }
$la = vumaerp_ListAccounts(array());
if ($la['success'] !== false || strpos($la['error'], 'No VumaERP server') === false) { $fail('ListAccounts: ' . json_encode($la)); }
if (vumaerp_ChangePassword(array('password' => 'x')) !== VUMAERP_PASSWORD_FAILED) { $fail('ChangePassword'); }
if (vumaerp_ChangePackage(array('domain' => 'acme.example', 'configoption5' => 'team')) !== VUMAERP_PLAN_FAILED) { $fail('ChangePackage'); }
if (strpos(vumaerp_ChangePackage(array('configoptions' => array('Extra Users' => '1.5'))), 'Extra Users option must be a whole number') === false) { $fail('ChangePackage: extra users'); }
echo 'ok PHP ', PHP_VERSION, ": $n files parsed, the module loaded and answered\\n";
`;

let failed = false;
for (const version of versions) {
	let php;
	try {
		php = new PHP(await loadNodeRuntime(version, { emscriptenOptions: { processId: 1 } }));
	} catch (e) {
		console.error(`FAIL: PHP ${version} did not start: ${e.message}`);
		failed = true;
		continue;
	}
	for (const path of all) {
		const target = '/whmcs_module/' + relative(moduleRoot, path);
		php.mkdir(target.slice(0, target.lastIndexOf('/')));
		php.writeFile(target, readFileSync(path));
	}
	const r = await run(php, checks);
	const text = r.text.trim();
	if (!r.ok || !text.startsWith('ok PHP ' + version + '.')) {
		console.error(`FAIL: PHP ${version}:\n${text}`);
		failed = true;
	} else {
		console.log(text);
	}
	php.exit();
}
process.exit(failed ? 1 : 0);
