<?php
/* SPDX-License-Identifier: MIT */
/*
 * ContractTest.php: the module's shape as WHMCS expects it (every function there, returning the
 * documented type), its settings, the tenant names it derives, where it finds the API, and the
 * custom field it writes back — all without the API.
 */

use PHPUnit\Framework\TestCase;
use WHMCS\Database\Capsule;
use WHMCS\Module\Server\Vumaerp\ApiClient;
use WHMCS\Module\Server\Vumaerp\ApiException;

class ContractTest extends TestCase
{
    protected function setUp(): void
    {
        $GLOBALS['vumaerp_logged_calls'] = array();
        vumaerp_test_database();
    }

    /* A server nothing listens on: every call fails fast with a transport error. */
    private function params(array $extra = array())
    {
        $sock = stream_socket_server('tcp://127.0.0.1:0');
        $name = stream_socket_get_name($sock, false);
        fclose($sock);   // the port is now free and refuses connections
        $port = (int) substr($name, strrpos($name, ':') + 1);
        return array_merge(array(
            'serviceid' => 7, 'pid' => 3, 'serverid' => 1,
            'serverhostname' => '127.0.0.1', 'serverip' => '', 'serverport' => $port, 'serversecure' => false,
            'serveraccesshash' => 'contract-token-0123456789abcdef', 'serverpassword' => '',
            'domain' => 'acme-ltd.example.com', 'username' => 'acme', 'password' => 'Secret pw 123!',
            'configoption1' => 'ke', 'configoption2' => '', 'configoption3' => '5',
            'customfields' => array(), 'clientsdetails' => array('email' => 'a@acme.example', 'companyname' => 'Acme', 'fullname' => 'A B'),
            'model' => new VumaerpTestService(7, 3),
        ), $extra);
    }

    public function testEveryFunctionExistsWithItsReturnType()
    {
        $this->assertTrue(defined('WHMCS'));
        $p = $this->params();
        foreach (array('MetaData', 'ConfigOptions', 'AdminCustomButtonArray') as $f) {
            $this->assertTrue(function_exists('vumaerp_' . $f), $f);
            $this->assertIsArray(call_user_func('vumaerp_' . $f), $f);
        }
        $stringActions = array('CreateAccount', 'SuspendAccount', 'UnsuspendAccount', 'TerminateAccount',
            'UsageUpdate', 'backupNow', 'refreshStatus');
        foreach ($stringActions as $f) {
            $this->assertTrue(function_exists('vumaerp_' . $f), $f);
            ob_start();
            $r = call_user_func('vumaerp_' . $f, $p);
            $printed = ob_get_clean();
            $this->assertIsString($r, $f);
            $this->assertNotSame('success', $r, "$f with the API down");
            $this->assertStringContainsString('Cannot connect', $r, $f);
            $this->assertSame('', $printed, "$f printed something");
        }
        $this->assertSame(VUMAERP_PASSWORD_FAILED, vumaerp_ChangePassword($p), 'ChangePassword says no more to the client');
        $this->assertSame(VUMAERP_PLAN_FAILED, vumaerp_ChangePackage($p), 'ChangePackage says no more to the client');
        foreach (array_values(vumaerp_AdminCustomButtonArray()) as $f) {
            $this->assertTrue(function_exists('vumaerp_' . $f), "button function $f");
        }
        $sso = vumaerp_ServiceSingleSignOn($p);
        $this->assertSame(array('success' => false, 'errorMsg' => VUMAERP_SSO_FAILED), $sso, 'single sign-on with the API down');

        $t = vumaerp_TestConnection($p);
        $this->assertIsArray($t);
        $this->assertFalse($t['success']);
        $this->assertIsString($t['error']);
        $this->assertStringContainsString('Cannot connect', $t['error']);

        $fields = vumaerp_AdminServicesTabFields($p);
        $this->assertIsArray($fields);
        $this->assertArrayHasKey('VumaERP', $fields);

        $ca = vumaerp_ClientArea($p);
        $this->assertIsArray($ca);
        $this->assertSame('templates/overview.tpl', $ca['tabOverviewModuleOutputTemplate']);
        $this->assertFileExists(dirname(__DIR__) . '/vumaerp/' . $ca['tabOverviewModuleOutputTemplate']);
        $this->assertIsArray($ca['templateVariables']);
        $this->assertNotSame('', $ca['templateVariables']['vumaerpError']);
    }

    public function testMetaData()
    {
        $m = vumaerp_MetaData();
        $this->assertSame('VumaERP', $m['DisplayName']);
        $this->assertSame('1.1', $m['APIVersion']);
        $this->assertTrue($m['RequiresServer']);
        $this->assertSame('5000', $m['DefaultNonSSLPort']);
        $this->assertSame('443', $m['DefaultSSLPort']);
    }

    public function testConfigOptionsOfferTheApisCountries()
    {
        $o = vumaerp_ConfigOptions();
        $this->assertCount(5, $o, 'configoption1..5');
        $keys = array_keys($o);
        $this->assertSame('dropdown', $o[$keys[0]]['Type']);
        $this->assertSame('yesno', $o[$keys[1]]['Type']);
        $this->assertSame('', $o[$keys[1]]['Default'], 'termination backs up by default');
        $this->assertSame('text', $o[$keys[2]]['Type']);
        $this->assertSame('300', $o[$keys[2]]['Default'], "vumaerp-api's default api.deadline");
        $this->assertSame('text', $o[$keys[3]]['Type']);
        $this->assertSame('', $o[$keys[3]]['Default'], 'no disk limit unless the product sets one');
        $this->assertSame('Plan', $keys[4]);
        $this->assertSame('text', $o[$keys[4]]['Type']);
        $this->assertSame('', $o[$keys[4]]['Default'], 'the server\'s default plan unless the product names one');
        $this->assertMatchesRegularExpression('/^\s*deadline:\s*300\s*$/m', file_get_contents((getenv('SOURCE_DIR') ?: dirname(__DIR__, 2)) . '/conf/vumaerp.yaml'),
            'the default configuration says the same deadline');

        $source = getenv('SOURCE_DIR') ?: dirname(__DIR__, 2);
        $yaml = file_get_contents($source . '/conf/countries.yaml');
        preg_match_all('/^([a-z]{2}):\s*$/m', $yaml, $m);
        $this->assertNotEmpty($m[1]);
        $codes = array_keys($o[$keys[0]]['Options']);
        sort($codes);
        $served = $m[1];
        sort($served);
        $this->assertSame($served, $codes, 'the dropdown offers exactly the countries of conf/countries.yaml');
        foreach ($o[$keys[0]]['Options'] as $code => $name) {
            $this->assertMatchesRegularExpression('/^' . $code . ':\s*\n\s+name:\s*"?' . preg_quote($name, '/') . '"?\s*$/m', $yaml);
        }
    }

    public function testDerivedTenantNamesAreValidAndStable()
    {
        $cases = array(
            'acme-ltd.vumacloud.com' => 'acme_ltd',
            'www.Acme-Ltd.co.ke' => 'acme_ltd',
            'https://acme.example/path' => 'acme',
            '123shop.co.ke' => 'erp_123shop',
            'tpl_ke' => 'erp_tpl_ke',
            'postgres' => 'erp_postgres',
            'x' => 'x_erp',
            'Mama Mboga & Sons' => 'mama_mboga_sons',
            '...' => '',
            '' => '',
        );
        foreach ($cases as $in => $want) {
            $got = vumaerp_derive_db_name($in);
            $this->assertSame($want, $got, "from '$in'");
            if ($got !== '') {
                $this->assertMatchesRegularExpression('/^[a-z][a-z0-9_]{1,62}$/', $got);
                /* The tenant host the API makes of it (subdomain: _ becomes -) gives it back. */
                $this->assertSame($got, vumaerp_derive_db_name(str_replace('_', '-', $got) . '.vumacloud.com'));
            }
        }
        $long = vumaerp_derive_db_name(str_repeat('ab-', 40) . '.com');
        $this->assertMatchesRegularExpression('/^[a-z][a-z0-9_]{1,62}$/', $long);

        $p = $this->params(array('customfields' => array('db_name|Database' => 'Given_Name', 'country' => 'ng|Nigeria')));
        $this->assertSame('Given_Name', vumaerp_db_name($p), 'a given db_name is passed as given, for the API to judge');
        $this->assertSame('ng', vumaerp_country($p));
        $p = $this->params(array('domain' => '', 'customfields' => array('country' => 'Ghana')));
        $this->assertSame('acme', vumaerp_db_name($p), 'from the username when there is no domain');
        $this->assertSame('gh', vumaerp_country($p));
        $p = $this->params(array('configoption1' => 'ug'));
        $this->assertSame('ug', vumaerp_country($p), 'the product default');
        $this->expectException(ApiException::class);
        vumaerp_db_name($this->params(array('domain' => '', 'username' => '')));
    }

    public function testWhereTheApiIs()
    {
        $c = ApiClient::fromParams(array('serverhostname' => 'erp.example.com/provision/', 'serversecure' => 'on', 'serverport' => '',
            'serveraccesshash' => '', 'serverpassword' => ' tok '));
        $this->assertSame('https://erp.example.com:443/provision', $c->baseUrl());
        $this->assertSame('tok', $c->token());
        $c = ApiClient::fromParams(array('serverhostname' => '', 'serverip' => '::1', 'serveraccesshash' => 't'));
        $this->assertSame('http://[::1]:5000', $c->baseUrl());
        $c = ApiClient::fromParams(array('serverhostname' => '10.0.0.5', 'serverport' => '8080', 'serveraccesshash' => 't'));
        $this->assertSame('http://10.0.0.5:8080', $c->baseUrl());
        foreach (array(
            array('serverhostname' => '', 'serverip' => '', 'serveraccesshash' => 't'),
            array('serverhostname' => 'a b', 'serveraccesshash' => 't'),
            array('serverhostname' => 'h', 'serveraccesshash' => '', 'serverpassword' => ''),
        ) as $bad) {
            try {
                ApiClient::fromParams($bad);
                $this->fail('accepted ' . json_encode($bad));
            } catch (ApiException $e) {
                $this->assertNotSame('', $e->getMessage());
            }
        }
        $r = vumaerp_SuspendAccount($this->params(array('serveraccesshash' => '')));
        $this->assertStringContainsString('No API token', $r);
    }

    /* An API that says yes to everything, naming the tenant it was asked about. */
    private function okStub()
    {
        static $port = 0;
        if (!$port) {
            $port = vumaerp_test_stub(<<<'PHP'
<?php
$req = json_decode(file_get_contents("php://input"), true);
if (!is_array($req)) {
    $req = $_GET;
}
$db = isset($req["db_name"]) ? $req["db_name"] : "";
header("Content-Type: application/json");
echo json_encode(array("success" => true, "db_name" => $db, "url" => "https://" . str_replace("_", "-", $db) . ".vumacloud.test",
    "admin_email" => "a@acme.example", "admin_login" => "a@acme.example", "state" => "active", "country" => "ke",
    "count" => 0, "tenants" => array(), "status" => "ok"));
return true;
PHP
            );
        }
        return $port;
    }

    private function service($id, $pid, array $extra = array())
    {
        $h = Capsule::table('tblhosting')->where('id', $id)->first();
        return $this->params(array_merge(array('serviceid' => $id, 'pid' => $pid, 'serverport' => $this->okStub(),
            'domain' => $h->domain, 'username' => $h->username, 'customfields' => vumaerp_test_custom_fields($id, $pid),
            'model' => new VumaerpTestService($id, $pid)), $extra));
    }

    public function testTheTenantsNameIsKeptOnTheServiceAndEveryCallNamesTheService()
    {
        $pdo = Capsule::pdo();
        $pdo->exec("INSERT INTO tblhosting (id, packageid, server, domain, username) VALUES
                    (7, 3, 1, 'acme-ltd.example.com', 'acme'), (8, 4, 1, 'www.beta.co.ke', 'beta')");
        $pdo->exec("INSERT INTO tblcustomfields (id, type, relid, fieldname, fieldtype) VALUES
                    (10, 'product', 3, 'country', 'dropdown'), (11, 'product', 4, 'db_name|Database name', 'text')");

        /* Product 3 has no db_name field: saving the name creates it, admin-only. */
        $this->assertSame('success', vumaerp_CreateAccount($this->service(7, 3)));
        $field = $pdo->query("SELECT id, fieldname, fieldtype, adminonly FROM tblcustomfields WHERE relid = 3 AND fieldname = 'db_name'")
            ->fetch(PDO::FETCH_ASSOC);
        $this->assertSame(array('fieldname' => 'db_name', 'fieldtype' => 'text', 'adminonly' => 'on'),
            array_slice($field, 1, 3, true), 'the field WHMCS creates');
        $this->assertSame(array('country' => '', 'db_name' => 'acme_ltd'), vumaerp_test_custom_fields(7, 3));
        $h = Capsule::table('tblhosting')->where('id', 7)->first();
        $this->assertSame('acme-ltd.vumacloud.test', $h->domain, 'the tenant\'s host is the service\'s domain');
        $this->assertSame('a@acme.example', $h->username, 'the Odoo login is the service\'s username, as the welcome email shows it');

        /* Product 4's field is "db_name|Database name": the name goes there, no second field. */
        $this->assertSame('success', vumaerp_CreateAccount($this->service(8, 4)));
        $this->assertSame(array('db_name' => 'beta'), vumaerp_test_custom_fields(8, 4));
        $this->assertSame('1', (string) $pdo->query("SELECT count(*) FROM tblcustomfields WHERE relid = 4")->fetchColumn());

        /* The domain and username change (or another customer's derive the same name): every
         * later call names the kept tenant, and the service it belongs to. */
        $pdo->exec("UPDATE tblhosting SET domain = 'www.other-name.example', username = 'someone' WHERE id = 7");
        $GLOBALS['vumaerp_logged_calls'] = array();
        $p = $this->service(7, 3);
        foreach (array('SuspendAccount', 'UnsuspendAccount', 'ChangePassword', 'backupNow', 'refreshStatus', 'TerminateAccount') as $f) {
            $this->assertSame('success', call_user_func('vumaerp_' . $f, $p), $f);
        }
        $this->assertSame('acme_ltd', vumaerp_AdminServicesTabFields($p)['Tenant database']);
        $this->assertSame('', vumaerp_ClientArea($p)['templateVariables']['vumaerpError']);
        /* WHMCS's customfields without the field (a product edited meanwhile): the model has it. */
        unset($p['customfields']['db_name']);
        $this->assertSame('success', vumaerp_SuspendAccount($p));
        $this->assertCount(9, $GLOBALS['vumaerp_logged_calls']);
        foreach ($GLOBALS['vumaerp_logged_calls'] as $call) {
            $this->assertSame('acme_ltd', $call['request']['fields']['db_name'], $call['action']);
            $this->assertSame(7, $call['request']['fields']['whmcs_service_id'], $call['action']);
            if ($call['request']['method'] === 'GET') {
                $this->assertStringContainsString('db_name=acme_ltd&whmcs_service_id=7', $call['request']['url'], $call['action']);
            }
        }

        /* Without WHMCS's model nothing could be kept: Create refuses before calling the API. */
        $GLOBALS['vumaerp_logged_calls'] = array();
        $p = $this->service(7, 3);
        unset($p['model']);
        $this->assertStringContainsString('WHMCS 7.2 or later', vumaerp_CreateAccount($p));
        $this->assertSame(array(), $GLOBALS['vumaerp_logged_calls'], 'no call made');
    }

    public function testFailuresLogNoSecret()
    {
        $p = $this->params();
        vumaerp_CreateAccount($p);
        vumaerp_ChangePassword($p);
        $this->assertNotEmpty($GLOBALS['vumaerp_logged_calls']);
        foreach ($GLOBALS['vumaerp_logged_calls'] as $call) {
            $this->assertSame('vumaerp', $call['module']);
            $raw = print_r(array($call['request'], $call['response'], $call['processed']), true);
            foreach (array($p['serveraccesshash'], $p['password']) as $secret) {
                $this->assertStringNotContainsString($secret, $raw, $call['action']);
                $this->assertStringNotContainsString($secret, $call['stored'], $call['action']);
                $this->assertContains($secret, $call['replaceVars'], $call['action'] . ' lets WHMCS scrub it');
            }
        }
    }
    /* A server that says the password back the way a careless API, proxy or error page might:
     * JSON as PHP writes it, as jansson does, with \uXXXX in capitals, percent- and
     * form-encoded, or in an HTML page. */
    private function echoStub()
    {
        static $port = 0;
        if (!$port) {
            $port = vumaerp_test_stub(<<<'PHP'
<?php
$req = json_decode(file_get_contents("php://input"), true);
$pw = is_array($req) && isset($req["admin_password"]) ? $req["admin_password"] : "";
$kind = explode("/", parse_url($_SERVER["REQUEST_URI"], PHP_URL_PATH))[1];
header("Content-Type: application/json");
if ($kind === "php") {
    http_response_code(400);
    echo json_encode(array("success" => false, "error" => "refused the password \"" . $pw . "\"", "code" => "bad_request"));
} elseif ($kind === "jansson") {
    echo json_encode(array("success" => true, "db_name" => "acme_ltd", "url" => "https://acme-ltd.example.com",
        "admin_login" => "a@acme.example", "admin_password" => $pw, "country" => "Kenya", "note" => "set to " . $pw),
        JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
} elseif ($kind === "upper") {
    http_response_code(409);
    $e = preg_replace_callback('/\\\\u([0-9a-f]{4})/', function ($m) { return '\\u' . strtoupper($m[1]); },
        json_encode("not " . $pw));
    echo '{"success":false,"code":"x","error":' . $e . '}';
} elseif ($kind === "url") {
    http_response_code(400);
    echo json_encode(array("success" => false, "code" => "bad_request",
        "error" => "cannot parse admin_password=" . rawurlencode($pw) . " nor admin_password=" . urlencode($pw)));
} else {
    header("Content-Type: text/html");
    http_response_code(502);
    echo "<html><body><p>" . $pw . "</p><p>" . htmlspecialchars($pw, ENT_QUOTES) . "</p></body></html>";
}
return true;
PHP
            );
        }
        return $port;
    }

    public function testNoEncodingOfASecretIsLoggedOrShown()
    {
        $password = 'Pw "quoted" back\\slash ünï/€ 😀 a+b&c=d%';
        $token = 'tok "en" \\ ✓/tail+x';
        $port = $this->echoStub();
        $shown = array();
        foreach (array('php', 'jansson', 'upper', 'url', 'html') as $kind) {
            $p = $this->params(array('serverhostname' => '127.0.0.1/' . $kind, 'serverport' => $port,
                'serveraccesshash' => $token, 'password' => $password));
            $shown[$kind] = vumaerp_CreateAccount($p);
        }
        $this->assertSame('success', $shown['jansson'], 'the answer that echoes the password is a success');
        $this->assertStringContainsString('(HTTP 400, bad_request)', $shown['php']);
        $this->assertStringContainsString('answered HTTP 502 with something that is not JSON', $shown['html']);
        $calls = $GLOBALS['vumaerp_logged_calls'];
        $this->assertGreaterThanOrEqual(5, count($calls));
        foreach (array('password' => $password, 'token' => $token) as $what => $secret) {
            foreach (vumaerp_test_encodings($secret) as $encoding => $form) {
                foreach ($shown as $kind => $message) {
                    $this->assertStringNotContainsString($form, $message, "the $what $encoding in what $kind showed");
                }
                foreach ($calls as $i => $call) {
                    $label = "call $i ({$call['action']}): the $what $encoding";
                    $this->assertStringNotContainsString($form, $call['stored'], "$label, as stored");
                    $this->assertStringNotContainsString($form, print_r(array($call['request'], $call['response'], $call['processed']), true),
                        "$label, as passed");
                }
            }
        }
        /* The echoes were there, masked: the test saw what it guards against. */
        $this->assertStringContainsString('********', print_r($calls[0]['response'], true));
        $this->assertStringContainsString('"admin_password":"********"', $calls[1]['response']);
        $this->assertSame('********', $calls[1]['processed']['admin_password']);
    }
    public function testTimeoutsFollowTheApisDeadline()
    {
        $this->assertSame(10, ApiClient::timeoutFor(array(), true), 'a page view');
        $this->assertSame(10, ApiClient::timeoutFor(array('configoption3' => '900'), true), 'a page view, whatever the deadline');
        foreach (array('' => 330, '300' => 330, '120' => 330, '5' => 330, 'x' => 330, '600' => 630, '100000' => 86430) as $set => $want) {
            $this->assertSame($want, ApiClient::timeoutFor(array('configoption3' => $set), false), "an action with API deadline '$set'");
        }
        $this->assertSame(330, ApiClient::timeoutFor(array(), false));

        /* What each function waited for, from its logged request. */
        $p = $this->params(array('configoption3' => ''));
        foreach (array('CreateAccount', 'SuspendAccount', 'UnsuspendAccount', 'TerminateAccount', 'ChangePassword', 'ChangePackage', 'UsageUpdate',
            'backupNow', 'refreshStatus', 'TestConnection', 'AdminServicesTabFields', 'ClientArea', 'ListAccounts') as $f) {
            call_user_func('vumaerp_' . $f, $p);
        }
        $waited = array();
        foreach ($GLOBALS['vumaerp_logged_calls'] as $call) {
            $this->assertArrayHasKey('timeout', $call['request'], $call['action']);
            $waited[$call['action']] = $call['request']['timeout'];
        }
        $this->assertSame(array(
            'vumaerp_CreateAccount' => 330, 'vumaerp_SuspendAccount' => 330, 'vumaerp_UnsuspendAccount' => 330,
            'vumaerp_TerminateAccount' => 330, 'vumaerp_ChangePassword' => 330, 'vumaerp_ChangePackage' => 330, 'vumaerp_UsageUpdate' => 330,
            'vumaerp_backupNow' => 330, 'vumaerp_refreshStatus' => 330, 'vumaerp_TestConnection' => 10,
            'vumaerp_AdminServicesTabFields' => 10, 'vumaerp_ClientArea' => 10, 'vumaerp_ListAccounts' => 10,
        ), $waited);
    }

    /* An API that takes longer than a page view waits, and answers: the page gives up in
     * VIEW_TIMEOUT, the action waits for the answer. */
    public function testAStuckApiHangsNoPageAndCutsNoAction()
    {
        $port = vumaerp_test_stub(<<<'PHP'
<?php
sleep(13);
header("Content-Type: application/json");
echo json_encode(array("success" => true, "status" => "suspended", "changed" => true, "db_name" => "acme_ltd", "state" => "suspended"));
return true;
PHP
        );
        $p = $this->params(array('serverport' => $port, 'configoption3' => ''));
        foreach (array('vumaerp_ClientArea', 'vumaerp_AdminServicesTabFields') as $f) {
            $start = microtime(true);
            $r = call_user_func($f, $p);
            $took = microtime(true) - $start;
            $this->assertGreaterThan(9, $took, $f);
            $this->assertLessThan(12, $took, "$f gives up before the API answers");
            $this->assertNotEmpty($r, $f);
        }
        $logged = end($GLOBALS['vumaerp_logged_calls']);
        $this->assertStringContainsString('did not answer within 10 seconds', $logged['processed']);
        $this->assertStringContainsString('as long as a page view waits', $logged['processed']);

        $start = microtime(true);
        $this->assertSame('success', vumaerp_SuspendAccount($p), 'the action waits past a page view\'s timeout');
        $this->assertGreaterThan(12, microtime(true) - $start);
    }
    /* WHMCS shows ChangePassword's answer to the client: whatever went wrong, it names nothing of
     * the server, and the module log has the details. */
    public function testChangePasswordTellsTheClientNothingOfTheServer()
    {
        $port = vumaerp_test_stub(<<<'PHP'
<?php
header("Content-Type: application/json");
$kind = explode("/", parse_url($_SERVER["REQUEST_URI"], PHP_URL_PATH))[1];
$answers = array(
    "unauthorized" => array(401, array("success" => false, "error" => "unauthorized", "code" => "unauthorized")),
    "forbidden" => array(403, array("success" => false, "error" => "forbidden", "code" => "forbidden")),
    "config" => array(500, array("success" => false, "error" => "configuration error in /etc/vumaerp/vumaerp.yaml", "code" => "config_error")),
    "long" => array(400, array("success" => false, "error" => "admin_password is longer than 4096 bytes", "code" => "invalid_admin_password")),
);
http_response_code($answers[$kind][0]);
echo json_encode($answers[$kind][1]);
return true;
PHP
        );
        $cases = array(
            'unauthorized' => array($this->params(array('serverhostname' => '127.0.0.1/unauthorized', 'serverport' => $port)), 'api-token'),
            'forbidden' => array($this->params(array('serverhostname' => '127.0.0.1/forbidden', 'serverport' => $port)), 'allowed_clients'),
            'config' => array($this->params(array('serverhostname' => '127.0.0.1/config', 'serverport' => $port)), 'vumaerp.yaml'),
            'down' => array($this->params(), 'vumaerp-api.socket'),
            'no token' => array($this->params(array('serveraccesshash' => '')), 'api-token'),
            'no name' => array($this->params(array('domain' => '', 'username' => '')), 'db_name custom field'),
        );
        foreach ($cases as $case => $c) {
            list($p, $detail) = $c;
            $GLOBALS['vumaerp_logged_calls'] = array();
            $r = vumaerp_ChangePassword($p);
            $this->assertSame(VUMAERP_PASSWORD_FAILED, $r, $case);
            foreach (array('api-token', 'journalctl', 'vumaerp.yaml', 'vumaerp-api', '127.0.0.1', 'HTTP', 'allowed_clients', 'db_name') as $word) {
                $this->assertStringNotContainsString($word, $r, $case);
            }
            $this->assertCount(1, $GLOBALS['vumaerp_logged_calls'], "$case: logged once");
            $this->assertStringContainsString($detail, print_r($GLOBALS['vumaerp_logged_calls'][0]['processed'], true)
                . print_r($GLOBALS['vumaerp_logged_calls'][0]['response'], true), "$case: the module log has the details");
        }
        $r = vumaerp_ChangePassword($this->params(array('serverhostname' => '127.0.0.1/long', 'serverport' => $port)));
        $this->assertSame(VUMAERP_PASSWORD_REFUSED, $r, 'a password the API refuses: the client can choose another');
    }
    /* An API with plans ("/plans/...": status names the tenant's plan) or without ("/noplans/...");
     * a plan change to "tiny" is refused as the API refuses a cap below the users, to "broken"
     * fails inside the server. */
    private function planStub()
    {
        static $port = 0;
        if (!$port) {
            $port = vumaerp_test_stub(<<<'PHP'
<?php
header("Content-Type: application/json");
$req = json_decode(file_get_contents("php://input"), true);
$path = parse_url($_SERVER["REQUEST_URI"], PHP_URL_PATH);
$kind = explode("/", $path)[1];
if (preg_match("#/api/v1/plans\$#", $path)) {
    if ($kind === "old") {
        http_response_code(404);
        echo json_encode(array("success" => false, "code" => "not_found", "error" => "no such endpoint"));
    } elseif ($kind === "garbled") {
        echo json_encode(array("success" => true, "configured" => true, "count" => 1, "plans" => array(array("code" => "<b>x</b>", "name" => "X", "max_users" => 1, "storage_mb" => 1))));
    } elseif ($kind === "plans") {
        echo json_encode(array("success" => true, "configured" => true, "count" => 2, "default" => "team", "plans" => array(
            array("code" => "solo", "name" => "Solo", "max_users" => 1, "apps" => array(), "storage_mb" => 512, "default" => false),
            array("code" => "team", "name" => "Team", "max_users" => 12, "apps" => array("crm"), "storage_mb" => 4096, "default" => true))));
    } else {
        echo json_encode(array("success" => true, "configured" => false, "count" => 0, "default" => null, "plans" => array()));
    }
} elseif (preg_match("#/api/v1/status\$#", $path)) {
    echo json_encode($kind === "plans" ? array("success" => true, "db_name" => "acme_ltd", "state" => "active", "plan" => "solo", "max_users" => 2, "users" => 2)
        : array("success" => true, "db_name" => "acme_ltd", "state" => "active", "plan" => null, "max_users" => null, "users" => 2));
} elseif (preg_match("#/api/v1/plan\$#", $path) && $req["plan"] === "tiny") {
    http_response_code(409);
    echo json_encode(array("success" => false, "code" => "users_over_cap", "error" => "acme_ltd has 2 internal users, more than the plan tiny allows (1): archive users first"));
} elseif ($req["plan"] === "broken") {
    http_response_code(500);
    echo json_encode(array("success" => false, "code" => "config_error", "error" => "configuration error in /etc/vumaerp/plans.yaml"));
} else {
    echo json_encode(array("success" => true, "db_name" => "acme_ltd", "url" => "https://acme-ltd.vumacloud.test", "admin_login" => "a@acme.example",
        "plan" => $req["plan"], "max_users" => 5, "extra_users" => isset($req["extra_users"]) ? $req["extra_users"] : 0, "users" => 2));
}
return true;
PHP
            );
        }
        return $port;
    }

    /* The calls made to the API (a failure logged before any call has no method). */
    private static function apiCalls()
    {
        return array_values(array_filter($GLOBALS['vumaerp_logged_calls'], function ($c) {
            return is_array($c['request']) && isset($c['request']['method']);
        }));
    }

    /* Provisioning sends the product's plan and the service's extra users when there are; a
     * package change sends them to POST /api/v1/plan; a bad Extra Users value sends nothing. */
    public function testPlansAndExtraUsers()
    {
        $p = function ($kind, array $extra = array()) {
            return $this->params(array_merge(array('serverhostname' => '127.0.0.1/' . $kind, 'serverport' => $this->planStub(),
                'customfields' => array('db_name' => 'acme_ltd')), $extra));
        };

        $this->assertSame('success', vumaerp_CreateAccount($p('plans', array('configoption5' => 'team',
            'configoptions' => array('Extra Users' => '2', 'Backups' => 'daily')))));
        $calls = self::apiCalls();
        $this->assertCount(1, $calls);
        $this->assertStringEndsWith('/plans/api/v1/provision', $calls[0]['request']['url']);
        $this->assertSame('team', $calls[0]['request']['fields']['plan']);
        $this->assertSame(2, $calls[0]['request']['fields']['extra_users']);

        $GLOBALS['vumaerp_logged_calls'] = array();
        $this->assertSame('success', vumaerp_CreateAccount($p('plans', array('configoption5' => ' ',
            'configoptions' => array('extra_users|Extra users' => 0)))));
        $fields = self::apiCalls()[0]['request']['fields'];
        $this->assertArrayNotHasKey('plan', $fields, 'no Plan: the server\'s default plan');
        $this->assertSame(0, $fields['extra_users']);
        $GLOBALS['vumaerp_logged_calls'] = array();
        $this->assertSame('success', vumaerp_CreateAccount($p('noplans')));
        $fields = self::apiCalls()[0]['request']['fields'];
        $this->assertArrayNotHasKey('plan', $fields);
        $this->assertArrayNotHasKey('extra_users', $fields, 'no Extra Users option: nothing sent');

        foreach (array('-1', '2.5', 'two', '100001', '1e3', '0x10', ' 3 4') as $bad) {
            foreach (array('vumaerp_CreateAccount', 'vumaerp_ChangePackage') as $f) {
                $GLOBALS['vumaerp_logged_calls'] = array();
                $r = call_user_func($f, $p('plans', array('configoption5' => 'team', 'configoptions' => array('Extra Users' => $bad))));
                $this->assertStringContainsString('Extra Users option must be a whole number from 0 to 100000', $r, "$f '$bad'");
                $this->assertSame(array(), self::apiCalls(), "$f '$bad': nothing sent");
                $this->assertCount(1, $GLOBALS['vumaerp_logged_calls'], "$f '$bad': logged");
            }
        }
        $GLOBALS['vumaerp_logged_calls'] = array();
        $r = vumaerp_ChangePackage($p('plans', array('configoption5' => "team'; --")));
        $this->assertStringContainsString('Plan option is not a plan code', $r);
        $this->assertSame(array(), self::apiCalls(), 'a bad plan code: nothing sent');

        /* Upgrade: POST /api/v1/plan with the tenant, its service, the plan and the extra users. */
        $GLOBALS['vumaerp_logged_calls'] = array();
        $this->assertSame('success', vumaerp_ChangePackage($p('plans', array('configoption5' => 'team',
            'configoptions' => array('Extra Users' => 3)))));
        $calls = self::apiCalls();
        $this->assertCount(1, $calls);
        $this->assertSame('POST', $calls[0]['request']['method']);
        $this->assertStringEndsWith('/plans/api/v1/plan', $calls[0]['request']['url']);
        $this->assertSame(array('db_name' => 'acme_ltd', 'whmcs_service_id' => 7, 'plan' => 'team', 'extra_users' => 3),
            $calls[0]['request']['fields']);
        $this->assertSame(330, $calls[0]['request']['timeout'], 'a lifecycle call waits for the API\'s deadline');

        /* Downgrade below the users: the client reads that, in its language; the log has the API's words. */
        $GLOBALS['vumaerp_logged_calls'] = array();
        $this->assertSame(VUMAERP_PLAN_OVER_CAP, vumaerp_ChangePackage($p('plans', array('configoption5' => 'tiny'))));
        $this->assertSame('users_over_cap', json_decode(self::apiCalls()[0]['response'], true)['code']);
        $this->assertStringContainsString('more than the plan tiny allows', print_r(self::apiCalls()[0]['processed'], true));
        $fr = vumaerp_ChangePackage($p('plans', array('configoption5' => 'tiny', 'clientsdetails' => array('language' => 'french'))));
        $this->assertStringStartsWith('Cet ERP a plus d\'utilisateurs que la nouvelle offre', $fr);
        $sw = vumaerp_ChangePackage($p('plans', array('configoption5' => 'tiny', 'clientsdetails' => array('language' => 'swahili'))));
        $this->assertStringStartsWith('ERP hii ina watumiaji wengi', $sw);
        $r = vumaerp_ChangePackage($p('plans', array('configoption5' => 'broken')));
        $this->assertSame(VUMAERP_PLAN_FAILED, $r, 'a server failure: no detail to the client');
        $this->assertStringNotContainsString('plans.yaml', $r);
        $this->assertSame(VUMAERP_PLAN_FAILED, vumaerp_lang('english')['plan_failed']);
        $this->assertSame(VUMAERP_PLAN_OVER_CAP, vumaerp_lang('english')['plan_over_cap']);

        /* No Plan on the new product: on a server without plans there is nothing to change; on
         * one with plans the default's code is the server's, so the change is refused, saying so. */
        $GLOBALS['vumaerp_logged_calls'] = array();
        $this->assertSame('success', vumaerp_ChangePackage($p('noplans')));
        $calls = self::apiCalls();
        $this->assertCount(1, $calls);
        $this->assertSame('GET', $calls[0]['request']['method'], 'only the status was asked');
        $GLOBALS['vumaerp_logged_calls'] = array();
        $r = vumaerp_ChangePackage($p('plans', array('configoptions' => array('Extra Users' => '1'))));
        $this->assertStringContainsString('names no plan', $r);
        $this->assertStringContainsString('on the plan solo', $r);
        $this->assertCount(1, self::apiCalls(), 'no plan change sent');
        $this->assertCount(2, $GLOBALS['vumaerp_logged_calls'], 'the refusal is logged too');
    }

    /* The Plan option's Loader: the server's plans in its order, labelled; an unreachable server,
     * an old one, one without plans and a garbled answer each throw one sentence, logged. */
    public function testPlanLoaderFillsThePlanDropdown()
    {
        $o = vumaerp_ConfigOptions();
        $this->assertSame('vumaerp_PlanLoader', $o['Plan']['Loader']);
        $this->assertTrue($o['Plan']['SimpleMode']);
        $this->assertTrue(function_exists($o['Plan']['Loader']));
        $p = function ($kind) {
            return $this->params(array('serverhostname' => '127.0.0.1/' . $kind, 'serverport' => $this->planStub()));
        };

        $this->assertSame(array('solo' => 'Solo: 1 user, 512 MB', 'team' => 'Team: 12 users, 4096 MB (the default)'),
            vumaerp_PlanLoader($p('plans')));
        $calls = self::apiCalls();
        $this->assertCount(1, $calls);
        $this->assertSame('GET', $calls[0]['request']['method']);
        $this->assertStringEndsWith('/plans/api/v1/plans', $calls[0]['request']['url']);
        $this->assertSame(ApiClient::VIEW_TIMEOUT, $calls[0]['request']['timeout'], 'a page view waits seconds, not the API\'s deadline');

        $cases = array(
            array($this->params(), 'Cannot list the VumaERP server\'s plans: Cannot connect'),
            array($p('old'), 'too old to list its plans'),
            array($p('noplans'), 'has no plans: name a plans file in its vumaerp.yaml'),
            array($p('garbled'), 'holds something that is not a plan'),
        );
        foreach ($cases as $i => $case) {
            $GLOBALS['vumaerp_logged_calls'] = array();
            try {
                vumaerp_PlanLoader($case[0]);
                $this->fail("case $i: no exception");
            } catch (\Exception $e) {
                $this->assertStringContainsString($case[1], $e->getMessage(), "case $i");
                $this->assertStringNotContainsString('contract-token', $e->getMessage(), "case $i: the token is not shown");
            }
            $this->assertNotEmpty($GLOBALS['vumaerp_logged_calls'], "case $i: logged");
        }
    }

    /* UsageUpdate writes each tenant's disk use with its product's disk limit, as WHMCS documents
     * (diskusage, disklimit in MB, lastupdate), to its owner's service on this server only. */
    public function testUsageUpdateWritesUseAndLimit()
    {
        $pdo = Capsule::pdo();
        $pdo->exec("INSERT INTO tblproducts (id, configoption4) VALUES (3, '2048'), (4, ''), (5, '0')");
        $pdo->exec("INSERT INTO tblhosting (id, packageid, server, domain) VALUES
                    (7, 3, 1, 'acme-ltd.vumacloud.test'), (8, 4, 1, 'shell-made.vumacloud.test'), (9, 5, 1, 'erp.example.com'),
                    (10, 5, 1, 'erp.example.com'), (11, 3, 2, 'elsewhere.vumacloud.test'), (12, 5, 1, 'beta.vumacloud.test')");
        $mb = 1048576;
        $list = array('success' => true, 'count' => 6, 'tenants' => array(
            array('db_name' => 'acme_ltd', 'whmcs_service_id' => 7, 'size_bytes' => 300 * $mb, 'disk_bytes' => 320 * $mb, 'url' => 'https://acme-ltd.vumacloud.test'),
            array('db_name' => 'shell_made', 'whmcs_service_id' => null, 'size_bytes' => 40 * $mb, 'url' => 'https://shell-made.vumacloud.test'),
            array('db_name' => 'path_one', 'whmcs_service_id' => null, 'size_bytes' => 50 * $mb, 'url' => 'https://erp.example.com/path_one'),
            array('db_name' => 'other_server', 'whmcs_service_id' => 11, 'size_bytes' => 60 * $mb, 'url' => 'https://elsewhere.vumacloud.test'),
            array('db_name' => 'beta', 'whmcs_service_id' => 12, 'size_bytes' => 70.4 * $mb, 'url' => 'https://beta.vumacloud.test'),
            array('db_name' => 'unmeasured', 'whmcs_service_id' => 9, 'size_bytes' => null),
        ));
        $port = vumaerp_test_stub("<?php header('Content-Type: application/json'); echo " . var_export(json_encode($list), true) . "; return true;");
        $this->assertSame('success', vumaerp_UsageUpdate($this->params(array('serverport' => $port))));
        $rows = $pdo->query("SELECT id, diskusage, disklimit, lastupdate != '0000-00-00 00:00:00' FROM tblhosting ORDER BY id")->fetchAll(PDO::FETCH_NUM);
        $this->assertEquals(array(
            array(7, 320, 2048, 1),   // its owner, its product's limit; its database and its files
            array(8, 40, 0, 1),       // no owner recorded: the one service with its host; no limit set
            array(9, 0, 0, 0),        // two services share the host of a path URL: neither; unmeasured: untouched
            array(10, 0, 0, 0),
            array(11, 0, 0, 0),       // another server's service
            array(12, 70, 0, 1),      // a limit of 0 is unlimited
        ), $rows);

        /* Refresh status writes the same for one service, with the product's limit from $params. */
        $status = vumaerp_test_stub("<?php header('Content-Type: application/json'); echo "
            . var_export(json_encode(array('success' => true, 'db_name' => 'acme_ltd', 'size_bytes' => 512 * $mb)), true) . "; return true;");
        $this->assertSame('success', vumaerp_refreshStatus($this->params(array('serverport' => $status, 'configoption4' => '1024'))));
        $this->assertEquals(array(512, 1024), $pdo->query('SELECT diskusage, disklimit FROM tblhosting WHERE id = 7')->fetch(PDO::FETCH_NUM));
    }
}
