<?php
/* SPDX-License-Identifier: MIT */
/*
 * vumaerp.php: the WHMCS server (provisioning) module for VumaERP — WHMCS's service lifecycle
 * mapped onto vumaerp-api's endpoints, in the shape of WHMCS's published sample provisioning
 * module: every function prefixed vumaerp_, actions answer 'success' or one readable sentence,
 * every remote call goes to logModuleCall() with the token and passwords as replace-vars.
 *
 * Install: copy this folder to WHMCS's modules/servers/ (WHMCS 7.2 or later: the service's model
 * keeps the tenant's name). A server of type VumaERP holds the API's hostname (optionally with a
 * path prefix: erp.example.com/provision), port, "secure" for HTTPS, and the API token in its
 * Access Hash (or Password). Products may have the custom fields db_name (admin-only; created
 * by the first Create when missing) and country, a Plan (configoption5) and a configurable
 * option "Extra Users" (a plan's user cap and users added to it: Create and ChangePackage).
 *
 * PHP 7.4 and 8.x: no enums, readonly, match, named arguments, nullsafe operator or union types.
 */

if (!defined("WHMCS")) {
    die("This file cannot be accessed directly");
}

require_once __DIR__ . '/lib/ApiClient.php';

use WHMCS\Database\Capsule;
use WHMCS\Module\Server\Vumaerp\ApiClient;
use WHMCS\Module\Server\Vumaerp\ApiException;

/* The countries vumaerp-api serves (conf/countries.yaml); the tests check the two agree. */
function vumaerp_countries()
{
    return array(
        'ke' => 'Kenya',
        'ng' => 'Nigeria',
        'gh' => 'Ghana',
        'ug' => 'Uganda',
        'tz' => 'Tanzania',
        'rw' => 'Rwanda',
    );
}

/**
 * @return array
 */
function vumaerp_MetaData()
{
    return array(
        'DisplayName' => 'VumaERP',
        'APIVersion' => '1.1',
        'RequiresServer' => true,
        'DefaultNonSSLPort' => '5000',
        'DefaultSSLPort' => '443',
        /* Server sync (WHMCS 7.8+, vumaerp_ListAccounts): a tenant is matched to the service
         * whose db_name custom field names it, and an imported tenant's name is written there,
         * where every call finds it. Its product is the one whose default country (configoption1)
         * is the tenant's. The usage billing tenant (vumaerp_MetricProvider) is the same name. */
        'ListAccountsUniqueIdentifierDisplayName' => 'Tenant database',
        'ListAccountsUniqueIdentifierField' => 'customfield.db_name',
        'ListAccountsProductField' => 'configoption1',
    );
}

/**
 * configoption1: default country; configoption2: termination skips the backup;
 * configoption3: vumaerp-api's api.deadline, when raised above its default (ApiClient::timeoutFor);
 * configoption4: the disk limit in MB that WHMCS shows and bills overage against (0: unlimited);
 * configoption5: the plan (a code of the server's plans.yaml; empty: the server's default plan).
 *
 * @return array
 */
function vumaerp_ConfigOptions()
{
    return array(
        'Default country' => array(
            'Type' => 'dropdown',
            'Options' => vumaerp_countries(),
            'Default' => 'ke',
            'Description' => 'Used when the service has no "country" custom field value',
        ),
        'Skip backup on termination' => array(
            'Type' => 'yesno',
            'Default' => '',
            'Description' => 'Tick to drop a terminated tenant without backing it up first (not recommended)',
        ),
        'API deadline' => array(
            'Type' => 'text',
            'Size' => '5',
            'Default' => (string) ApiClient::DEFAULT_DEADLINE,
            'Description' => 'Seconds: api.deadline in vumaerp.yaml, if raised above ' . ApiClient::DEFAULT_DEADLINE
                . '. Actions wait this plus ' . ApiClient::DEADLINE_MARGIN . ' s; page views ' . ApiClient::VIEW_TIMEOUT . ' s',
        ),
        'Disk space (MB)' => array(
            'Type' => 'text',
            'Size' => '8',
            'Default' => '',
            'Description' => 'The disk limit of each service (database and files), written with its usage; empty or 0: unlimited',
        ),
        /* A text field that WHMCS turns into a dropdown of the server's plans (the Loader, in
         * the product's simple mode); the field stays text, so a code can still be typed when
         * the server cannot be asked. */
        'Plan' => array(
            'Type' => 'text',
            'Size' => '16',
            'Default' => '',
            'Loader' => 'vumaerp_PlanLoader',
            'SimpleMode' => true,
            'Description' => 'A plan of the server\'s plans.yaml (its user cap and storage quota); empty: the server\'s default plan. '
                . 'A configurable option "Extra Users" (a quantity) adds users to its cap',
        ),
    );
}

/* --- helpers ------------------------------------------------------------------------------ */

/* The mask every secret becomes in what is logged or shown. */
const VUMAERP_MASK = '********';

/* Every form in which a secret can reach a log or a message: as given and trimmed; JSON-escaped
 * as PHP and jansson (vumaerp-api) write it (\" \\ \/ escaped or not, non-ASCII as UTF-8 or as
 * \uXXXX in either case); percent-encoded as a query string or a form carries it (%20 or +,
 * either case); HTML-escaped. */
function vumaerp_secret_forms($secret)
{
    $secret = (string) $secret;
    $forms = array();
    foreach (array($secret, trim($secret)) as $s) {
        if ($s === '') {
            continue;
        }
        $forms[] = $s;
        foreach (array(0, JSON_UNESCAPED_UNICODE, JSON_UNESCAPED_SLASHES, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES) as $flags) {
            $json = json_encode($s, $flags);
            if (is_string($json) && strlen($json) > 2) {
                $json = substr($json, 1, -1);
                $forms[] = $json;
                $forms[] = preg_replace_callback('/\\\\u([0-9a-fA-F]{4})/', function ($m) {
                    return '\\u' . strtoupper($m[1]);
                }, $json);
            }
        }
        foreach (array(rawurlencode($s), urlencode($s)) as $url) {
            $forms[] = $url;
            $forms[] = preg_replace_callback('/%[0-9A-F]{2}/', function ($m) {
                return strtolower($m[0]);
            }, $url);
        }
        foreach (array(ENT_QUOTES | ENT_HTML401, ENT_QUOTES | ENT_HTML5, ENT_NOQUOTES) as $flags) {
            $forms[] = htmlspecialchars($s, $flags | ENT_SUBSTITUTE, 'UTF-8');
        }
    }
    return $forms;
}

/* Every secret a call may carry — the token, the server password, the service password (a new
 * one, in ChangePassword) — in every form vumaerp_secret_forms() knows, longest first so that a
 * form containing another is replaced whole. */
function vumaerp_secrets(array $params, $client = null)
{
    $values = array();
    foreach (array('serveraccesshash', 'serverpassword', 'password') as $key) {
        if (isset($params[$key]) && is_string($params[$key])) {
            $values[] = $params[$key];
        }
    }
    if ($client !== null) {
        $values[] = $client->token();
    }
    $secrets = array();
    foreach ($values as $v) {
        if (is_string($v) && trim($v) !== '') {
            $secrets = array_merge($secrets, vumaerp_secret_forms($v));
        }
    }
    $secrets = array_values(array_unique($secrets));
    usort($secrets, function ($a, $b) {
        return strlen($b) - strlen($a);
    });
    return $secrets;
}

/* A field whose value is a secret whatever it holds: the API's admin_password (a generated one
 * is in provision's answer), a token. */
function vumaerp_secret_key($key)
{
    return is_string($key) && preg_match('/password|token|secret|access_?hash/i', $key);
}

/* The same data with every secret replaced, recursively: secret fields by name, every known form
 * of a secret in any string, and in a string that is JSON every string inside it after decoding
 * (so an escaping none of the forms foresaw hides nothing). WHMCS scrubs the replace-vars too;
 * this keeps secrets out even of what a logger without that support would write. */
function vumaerp_scrub($data, array $secrets)
{
    if (is_array($data)) {
        $out = array();
        foreach ($data as $k => $v) {
            $out[vumaerp_scrub($k, $secrets)] = vumaerp_secret_key($k) && $v !== null && $v !== '' && !is_bool($v)
                ? VUMAERP_MASK : vumaerp_scrub($v, $secrets);
        }
        return $out;
    }
    if (!is_string($data) || $data === '') {
        return $data;
    }
    $text = $secrets ? str_replace($secrets, VUMAERP_MASK, $data) : $data;
    /* A one-time sign-in link's token (vumaerp_ServiceSingleSignOn): in a URL, and unknown
     * before the API answers, so found by its place, in any escaping of the URL. */
    $text = preg_replace('/((?:[?&]|%3[Ff]|%26)(?:access_)?token(?:=|%3[Dd]))[A-Za-z0-9_\-]+/', '$1' . VUMAERP_MASK, $text);
    $first = substr(ltrim($text), 0, 1);
    if ($first === '{' || $first === '[') {
        $decoded = json_decode($text, true);
        if (is_array($decoded)) {
            $clean = json_encode(vumaerp_scrub($decoded, $secrets), JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
            if (is_string($clean)) {
                return $clean;
            }
        }
    }
    return $text;
}

function vumaerp_log($action, $request, $response, $processed, array $secrets)
{
    if (function_exists('logModuleCall')) {
        logModuleCall('vumaerp', $action, vumaerp_scrub($request, $secrets), vumaerp_scrub($response, $secrets),
            vumaerp_scrub($processed, $secrets), $secrets);
    }
}

/**
 * One call to the API, logged whatever happens (the exception says it was). $view: a page view's
 * call, with a short timeout; any other waits for the API's deadline.
 *
 * @return array the decoded answer
 * @throws ApiException
 */
function vumaerp_call(array $params, $action, $method, $path, array $fields = array(), $authenticated = true, $view = false)
{
    $client = null;
    try {
        $client = ApiClient::fromParams($params, $view);
        $answer = $client->request($method, $path, $fields, $authenticated);
    } catch (ApiException $e) {
        $secrets = vumaerp_secrets($params, $client);
        vumaerp_log($action, $client ? $client->lastRequest : array('method' => $method, 'path' => $path, 'fields' => $fields),
            $client ? $client->lastRawAnswer : '', $e->getMessage(), $secrets);
        $e->logged = true;
        throw $e;
    }
    vumaerp_log($action, $client->lastRequest, $client->lastRawAnswer, $answer, vumaerp_secrets($params, $client));
    return $answer;
}

/* Where a failure happened, without the arguments (PHP's own trace may show the first bytes of a
 * string argument, a part of a password that no mask would recognise). */
function vumaerp_trace($e)
{
    $lines = array();
    foreach ($e->getTrace() as $i => $frame) {
        $lines[] = '#' . $i . ' ' . (isset($frame['file']) ? $frame['file'] . '(' . (isset($frame['line']) ? $frame['line'] : '?') . '): ' : '')
            . (isset($frame['class']) ? $frame['class'] . $frame['type'] : '') . (isset($frame['function']) ? $frame['function'] . '()' : '');
    }
    return implode("\n", $lines);
}

/* Logs a failure the API call did not log already (ours, or an unexpected one) and returns its
 * message with every secret masked. $params is never logged whole: it holds the server's token. */
function vumaerp_fail($action, array $params, $e)
{
    $secrets = vumaerp_secrets($params);
    if (!($e instanceof ApiException) || !$e->logged) {
        $unexpected = !($e instanceof ApiException);
        vumaerp_log($action, array('serviceid' => isset($params['serviceid']) ? $params['serviceid'] : null),
            ($unexpected ? get_class($e) . ': ' : '') . $e->getMessage(), $unexpected ? vumaerp_trace($e) : '', $secrets);
        if ($unexpected) {
            return vumaerp_scrub('VumaERP module error: ' . $e->getMessage(), $secrets);
        }
    }
    return vumaerp_scrub($e->getMessage(), $secrets);
}

/* A custom field's value from $params['customfields'] ("name" or "name|Friendly Name" keys). */
function vumaerp_custom_field(array $params, $name)
{
    if (empty($params['customfields']) || !is_array($params['customfields'])) {
        return '';
    }
    foreach ($params['customfields'] as $key => $value) {
        $parts = explode('|', (string) $key, 2);
        if (strtolower(trim($parts[0])) === $name) {
            return trim((string) $value);
        }
    }
    return '';
}

/**
 * A valid tenant name (^[a-z][a-z0-9_]{1,62}$, not reserved) from a domain or a username:
 * the first label of a domain ("acme-ltd.vumacloud.com" and "www.acme-ltd.co.ke" give acme_ltd),
 * so that the tenant host stored on the service after provisioning derives the same name again.
 * Returns '' when nothing usable is left.
 */
function vumaerp_derive_db_name($source)
{
    $s = strtolower(trim((string) $source));
    $s = preg_replace('#^[a-z][a-z0-9+.-]*://#', '', $s);
    $s = preg_replace('#[/:?\#].*$#', '', $s);
    if (strpos($s, 'www.') === 0) {
        $s = substr($s, 4);
    }
    if (strpos($s, '.') !== false) {
        $s = substr($s, 0, strpos($s, '.'));
    }
    $s = trim(preg_replace('/[^a-z0-9]+/', '_', $s), '_');
    if ($s === '') {
        return '';
    }
    if (!preg_match('/^[a-z]/', $s) || in_array($s, array('postgres', 'template0', 'template1', 'vumaerp'), true)
        || preg_match('/^(tpl|pg|vumaerp)_/', $s)) {
        $s = 'erp_' . $s;
    }
    if (strlen($s) < 2) {
        $s .= '_erp';
    }
    return rtrim(substr($s, 0, 63), '_');
}

/* The service's properties (WHMCS 7.2 and later pass the service's model in $params['model']):
 * save() and get() a custom field by name, created when the product has none, or a core field
 * of the service (Username, Domain, ...). Null when WHMCS passed no model. */
function vumaerp_properties(array $params)
{
    if (!isset($params['model']) || !is_object($params['model'])) {
        return null;
    }
    $properties = $params['model']->serviceProperties;
    return is_object($properties) && method_exists($properties, 'save') && method_exists($properties, 'get') ? $properties : null;
}

/* The service's tenant name: the db_name saved on the service (by a Create that succeeded, or
 * by an admin; the API refuses, never rewrites, an invalid one), else — before the first
 * Create — made from the domain, else from the username. */
function vumaerp_db_name(array $params)
{
    $name = vumaerp_custom_field($params, 'db_name');
    if ($name === '' && vumaerp_properties($params)) {
        $name = trim((string) vumaerp_properties($params)->get('db_name'));
    }
    if ($name !== '') {
        return $name;
    }
    foreach (array('domain', 'username') as $key) {
        $name = vumaerp_derive_db_name(isset($params[$key]) ? $params[$key] : '');
        if ($name !== '') {
            return $name;
        }
    }
    throw new ApiException('The service has no db_name, and none can be made from its domain or username: fill in the db_name custom field.');
}

/* What names the service's tenant in every call: its db_name, and the WHMCS service it belongs to
 * (the API records the owner at provisioning and can refuse a call from another service). */
function vumaerp_tenant(array $params)
{
    $fields = array('db_name' => vumaerp_db_name($params));
    $serviceId = isset($params['serviceid']) ? (int) $params['serviceid'] : 0;
    if ($serviceId > 0) {
        $fields['whmcs_service_id'] = $serviceId;
    }
    return $fields;
}

function vumaerp_country(array $params)
{
    $country = vumaerp_custom_field($params, 'country');
    if ($country === '') {
        $country = isset($params['configoption1']) ? trim((string) $params['configoption1']) : '';
    }
    if ($country === '') {
        return 'ke';
    }
    $parts = explode('|', $country, 2);
    $country = strtolower(trim($parts[0]));
    /* A country written out ("Kenya") means its code. */
    $code = array_search(ucfirst($country), vumaerp_countries(), true);
    return $code !== false ? $code : $country;
}

function vumaerp_url_host($url)
{
    $host = parse_url((string) $url, PHP_URL_HOST);
    return is_string($host) ? $host : '';
}

/* What a tenant takes on disk, from a status or list entry: its database and its filestore
 * ("disk_bytes"), or the database alone from an API that does not measure files; null: neither. */
function vumaerp_disk_bytes($answer)
{
    foreach (array('disk_bytes', 'size_bytes') as $key) {
        if (is_array($answer) && isset($answer[$key]) && is_numeric($answer[$key])) {
            return $answer[$key];
        }
    }
    return null;
}

/* A product's disk limit in MB (its configoption4), 0 for unlimited as WHMCS reads it. */
function vumaerp_disk_limit($value)
{
    $value = trim((string) $value);
    return ctype_digit($value) ? (int) $value : 0;
}

/* What WHMCS's usage columns of a service become (developers.whmcs.com: UsageUpdate): the
 * tenant's size in MB, the product's limit, when. Bandwidth is not measured. */
function vumaerp_usage($sizeBytes, $limitMb)
{
    return array(
        'diskusage' => (int) round(((float) $sizeBytes) / 1048576),
        'disklimit' => (int) $limitMb,
        'lastupdate' => date('Y-m-d H:i:s'),
    );
}

/* Writes a tenant's disk use and limit to its service. */
function vumaerp_store_usage(array $params, $sizeBytes)
{
    return Capsule::table('tblhosting')->where('id', (int) $params['serviceid'])->update(
        vumaerp_usage($sizeBytes, vumaerp_disk_limit(isset($params['configoption4']) ? $params['configoption4'] : '')));
}

/* --- plans ------------------------------------------------------------------------------- */

/* The product's plan (configoption5): a code of the server's plans.yaml, '' for the server's
 * default plan. The API checks the code; this only keeps its size to what a code can be. */
function vumaerp_plan(array $params)
{
    $plan = isset($params['configoption5']) ? trim((string) $params['configoption5']) : '';
    if ($plan !== '' && !preg_match('/^[A-Za-z0-9_.-]{1,32}$/', $plan)) {
        throw new ApiException('The product\'s Plan option is not a plan code (letters, digits, _ . -, at most 32): fix it in the product\'s module settings.');
    }
    return $plan;
}

/* The most extra users the API takes (PLAN_MAX_USERS). */
const VUMAERP_MAX_EXTRA_USERS = 100000;

/* The service's extra users, from WHMCS's configurable options ($params['configoptions']: the
 * option's name, as "Extra Users" or "extra_users|Extra users", to its value; a quantity option's
 * value is the quantity): a whole number from 0 to VUMAERP_MAX_EXTRA_USERS, or null when the
 * service has no such option. Any other value is refused, before anything is sent. */
function vumaerp_extra_users(array $params)
{
    if (empty($params['configoptions']) || !is_array($params['configoptions'])) {
        return null;
    }
    foreach ($params['configoptions'] as $key => $value) {
        $parts = explode('|', (string) $key, 2);
        if (preg_replace('/[\s_-]+/', ' ', strtolower(trim($parts[0]))) !== 'extra users') {
            continue;
        }
        $text = is_int($value) ? (string) $value : (is_string($value) ? trim($value) : '');
        if ($text === '') {
            return 0;
        }
        if (!ctype_digit($text) || strlen($text) > 6 || (int) $text > VUMAERP_MAX_EXTRA_USERS) {
            throw new ApiException('The service\'s Extra Users option must be a whole number from 0 to ' . VUMAERP_MAX_EXTRA_USERS
                . ', not "' . (preg_match('/^.{0,32}/su', (string) $text, $m) ? $m[0] : '') . '": fix the configurable option\'s value.');
        }
        return (int) $text;
    }
    return null;
}

/* What a plan code from the server may be (plan_code_is_valid() in vumaerp's config.c). */
const VUMAERP_PLAN_CODE = '/^[a-z][a-z0-9_]{0,31}$/';

/**
 * The Plan option's Loader: WHMCS calls it with the product's server to fill the dropdown, and
 * shows the message of what it throws beside the field. GET /api/v1/plans, in plans.yaml's order,
 * as code => "Name: N users, M MB" (the default plan says so). A server that cannot be reached,
 * one too old to list plans, and one without plans each throw a sentence saying what to do.
 *
 * @return array plan code => label
 * @throws \Exception
 */
function vumaerp_PlanLoader(array $params)
{
    try {
        $answer = vumaerp_call($params, __FUNCTION__, 'GET', '/api/v1/plans', array(), true, true);
    } catch (\Throwable $e) {
        $message = vumaerp_fail(__FUNCTION__, $params, $e);
        if ($e instanceof ApiException && $e->httpStatus === 404 && $e->apiCode === 'not_found') {
            $message = 'This VumaERP server is too old to list its plans (it has no /api/v1/plans): update it, or type a plan code of its plans.yaml.';
        }
        throw new \Exception('Cannot list the VumaERP server\'s plans: ' . $message);
    }
    if (!isset($answer['plans']) || !is_array($answer['plans'])) {
        throw new \Exception(vumaerp_fail(__FUNCTION__, $params,
            new ApiException('The VumaERP server\'s answer to /api/v1/plans has no list of plans; is it vumaerp-api?')));
    }
    if (count($answer['plans']) === 0) {
        throw new \Exception(vumaerp_fail(__FUNCTION__, $params, new ApiException(
            'The VumaERP server has no plans: name a plans file in its vumaerp.yaml ("plans: plans.yaml", see vumaerp.yaml(5)), '
            . 'or leave Plan empty for tenants without a user cap.')));
    }
    $options = array();
    foreach ($answer['plans'] as $plan) {
        if (!is_array($plan) || !isset($plan['code'], $plan['name'], $plan['max_users'], $plan['storage_mb'])
            || !is_string($plan['code']) || !preg_match(VUMAERP_PLAN_CODE, $plan['code']) || !is_string($plan['name'])
            || !is_int($plan['max_users']) || !is_int($plan['storage_mb'])) {
            throw new \Exception(vumaerp_fail(__FUNCTION__, $params,
                new ApiException('The VumaERP server\'s answer to /api/v1/plans holds something that is not a plan.')));
        }
        $options[$plan['code']] = $plan['name'] . ': ' . $plan['max_users'] . ($plan['max_users'] === 1 ? ' user, ' : ' users, ')
            . $plan['storage_mb'] . ' MB' . (!empty($plan['default']) ? ' (the default)' : '');
    }
    return $options;
}

/* What provisioning and a plan change send of the plan: plan when the product names one,
 * extra_users when the service has the option. */
function vumaerp_plan_fields(array $params)
{
    $fields = array();
    $plan = vumaerp_plan($params);
    if ($plan !== '') {
        $fields['plan'] = $plan;
    }
    $extra = vumaerp_extra_users($params);
    if ($extra !== null) {
        $fields['extra_users'] = $extra;
    }
    return $fields;
}

function vumaerp_status(array $params, $action, $view)
{
    return vumaerp_call($params, $action, 'GET', '/api/v1/status', vumaerp_tenant($params), true, $view);
}

/* --- what the client reads, in the client's language ----------------------------------------- */

/* The language the client reads: the one WHMCS shows now (Lang::getName(), where there is one),
 * else the client's own setting (clientsdetails' language), else WHMCS's default ($CONFIG's
 * Language), else English; the first that has a file in lang/ (english.php, french.php,
 * swahili.php: WHMCS's names of its languages). */
function vumaerp_language(array $params)
{
    $candidates = array();
    if (class_exists('Lang', false) && is_callable(array('Lang', 'getName'))) {
        $candidates[] = call_user_func(array('Lang', 'getName'));
    }
    if (isset($params['clientsdetails']['language'])) {
        $candidates[] = $params['clientsdetails']['language'];
    }
    if (isset($GLOBALS['CONFIG']['Language'])) {
        $candidates[] = $GLOBALS['CONFIG']['Language'];
    }
    foreach ($candidates as $name) {
        $name = strtolower(trim((string) $name));
        if (preg_match('/^[a-z_-]{2,32}$/', $name) && is_file(__DIR__ . '/lang/' . $name . '.php')) {
            return $name;
        }
    }
    return 'english';
}

/* One language file's strings, read in this function's scope (WHMCS's own $_LANG is untouched). */
function vumaerp_lang_file($language)
{
    $_LANG = array();
    include __DIR__ . '/lang/' . $language . '.php';
    return $_LANG;
}

/* Every string of a language, English filling in whatever its file lacks. Plain text. */
function vumaerp_lang($language)
{
    static $loaded = array();
    if (!isset($loaded[$language])) {
        $strings = vumaerp_lang_file('english');
        if ($language !== 'english' && preg_match('/^[a-z_-]{2,32}$/', $language) && is_file(__DIR__ . '/lang/' . $language . '.php')) {
            $strings = array_merge($strings, vumaerp_lang_file($language));
        }
        $loaded[$language] = $strings;
    }
    return $loaded[$language];
}

/* One string in the client's language (plain text: escape it where it becomes HTML). */
function vumaerp_t(array $params, $key)
{
    $strings = vumaerp_lang(vumaerp_language($params));
    return isset($strings[$key]) ? $strings[$key] : $key;
}

/* Text made safe for HTML: tenant data (a company name, a suspension's reason) is whatever
 * someone typed. */
function vumaerp_escape($v)
{
    return htmlspecialchars((string) $v, ENT_QUOTES | ENT_SUBSTITUTE, 'UTF-8');
}

/* --- actions ------------------------------------------------------------------------------ */

/* A Create refused with db_exists may be this service's own retry with another country than
 * the first Create's (the country field changed in between): the API finds the tenant, sees a
 * different order and refuses it. "Already exists" would be wrong (it exists because it is this
 * service's), and so would success (the client asked for another country's ERP, and a tenant's
 * country — its chart of accounts, taxes, currency — cannot change). So: keep the name on the
 * service (the tenant is its own, and Suspend or Terminate must reach it) and say what happened
 * and what to do. Returns '' when the tenant is not this service's. */
function vumaerp_created_for_another_country(array $params, $properties, array $fields)
{
    if (empty($fields['whmcs_service_id'])) {
        return '';
    }
    try {
        $status = vumaerp_call($params, 'vumaerp_CreateAccount', 'GET', '/api/v1/status',
            array('db_name' => $fields['db_name'], 'whmcs_service_id' => $fields['whmcs_service_id']));
    } catch (ApiException $e) {
        return '';
    }
    $owner = isset($status['whmcs_service_id']) && is_numeric($status['whmcs_service_id']) ? (int) $status['whmcs_service_id'] : 0;
    $country = isset($status['country']) && is_string($status['country']) ? $status['country'] : '';
    if ($owner !== (int) $fields['whmcs_service_id'] || $country === '' || $country === $fields['country']) {
        return '';
    }
    $properties->save(array('db_name' => $fields['db_name']));
    $countries = vumaerp_countries();
    $name = function ($code) use ($countries) {
        return (isset($countries[$code]) ? $countries[$code] . ' ' : '') . '(' . $code . ')';
    };
    return 'This service\'s ERP ' . $fields['db_name'] . ' was created for ' . $name($country) . ', and an ERP\'s country cannot change: '
        . 'set the service\'s country back to ' . $country . ' and Create again, or terminate the service first to create it for '
        . $name($fields['country']) . '.';
}

/**
 * @return string "success" or an error message
 */
function vumaerp_CreateAccount(array $params)
{
    try {
        $client = isset($params['clientsdetails']) && is_array($params['clientsdetails']) ? $params['clientsdetails'] : array();
        $properties = vumaerp_properties($params);
        if (!$properties) {
            return 'WHMCS passed no service model to the module, so the tenant\'s name could not be kept on the service: the VumaERP module needs WHMCS 7.2 or later.';
        }
        $tenant = vumaerp_tenant($params);
        $email = isset($client['email']) ? trim((string) $client['email']) : '';
        $company = isset($client['companyname']) ? trim((string) $client['companyname']) : '';
        if ($company === '') {
            $company = isset($client['fullname']) ? trim((string) $client['fullname']) : '';
        }
        if ($company === '') {
            $company = trim((isset($client['firstname']) ? $client['firstname'] : '') . ' ' . (isset($client['lastname']) ? $client['lastname'] : ''));
        }
        $password = isset($params['password']) ? (string) $params['password'] : '';
        if ($email === '') {
            return 'The client has no email address, which becomes the ERP administrator\'s login.';
        }
        if ($company === '') {
            return 'The client has neither a company name nor a name to give the ERP company.';
        }
        if ($password === '') {
            return 'The service has no password: set one on the service, it becomes the ERP administrator\'s password.';
        }
        $fields = $tenant + array(
            'country' => vumaerp_country($params),
            'admin_email' => $email,
            'company_name' => $company,
            'admin_password' => $password,
        ) + vumaerp_plan_fields($params);
        try {
            $answer = vumaerp_call($params, __FUNCTION__, 'POST', '/api/v1/provision', $fields);
        } catch (ApiException $e) {
            $other = $e->apiCode === 'db_exists' ? vumaerp_created_for_another_country($params, $properties, $fields) : '';
            if ($other !== '') {
                return $other;
            }
            throw $e;
        }

        /* The name is kept on the service, so that every later call names this tenant and never
         * one derived again from a domain or username that may have changed (or that another
         * customer's domain derives too). */
        $saved = array('db_name' => isset($answer['db_name']) && is_string($answer['db_name']) ? $answer['db_name'] : $tenant['db_name']);
        $host = vumaerp_url_host(isset($answer['url']) ? $answer['url'] : '');
        if ($host !== '') {
            $saved['Domain'] = $host;
        }
        /* The service's username is what WHMCS's welcome email shows ({\$service_username}): the
         * login the client types into Odoo, not a name WHMCS made up. */
        $login = isset($answer['admin_login']) && is_string($answer['admin_login']) ? trim($answer['admin_login']) : '';
        if ($login !== '') {
            $saved['Username'] = $login;
        }
        $properties->save($saved);
    } catch (\Throwable $e) {
        return vumaerp_fail(__FUNCTION__, $params, $e);
    }
    return 'success';
}

/**
 * @return string "success" or an error message
 */
function vumaerp_SuspendAccount(array $params)
{
    try {
        $fields = vumaerp_tenant($params);
        $reason = isset($params['suspendreason']) ? (string) $params['suspendreason'] : '';
        /* The API takes one line of text (a reason is shown in status and the journal): a
         * multi-line reason typed in WHMCS becomes one line rather than a refused suspension. */
        $reason = trim((string) preg_replace('/[\x00-\x1F\x7F]+|[\x{80}-\x{9F}]+/u', ' ', $reason));
        if ($reason !== '' && preg_match('/^.{0,1024}/su', $reason, $m)) {
            $fields['reason'] = $m[0];
        }
        vumaerp_call($params, __FUNCTION__, 'POST', '/api/v1/suspend', $fields);
    } catch (\Throwable $e) {
        return vumaerp_fail(__FUNCTION__, $params, $e);
    }
    return 'success';
}

/**
 * @return string "success" or an error message
 */
function vumaerp_UnsuspendAccount(array $params)
{
    try {
        vumaerp_call($params, __FUNCTION__, 'POST', '/api/v1/unsuspend', vumaerp_tenant($params));
    } catch (\Throwable $e) {
        return vumaerp_fail(__FUNCTION__, $params, $e);
    }
    return 'success';
}

/**
 * @return string "success" or an error message
 */
function vumaerp_TerminateAccount(array $params)
{
    try {
        $skip = ApiClient::truthy(isset($params['configoption2']) ? $params['configoption2'] : '');
        vumaerp_call($params, __FUNCTION__, 'POST', '/api/v1/terminate',
            vumaerp_tenant($params) + array('skip_backup' => $skip));
    } catch (\Throwable $e) {
        return vumaerp_fail(__FUNCTION__, $params, $e);
    }
    return 'success';
}

/* What ChangePassword says when it fails: WHMCS shows it to the client who changed the password,
 * so it names nothing of the server (the token file, journalctl, vumaerp.yaml); the details are
 * in the module log. */
const VUMAERP_PASSWORD_FAILED = 'The password could not be changed in VumaERP right now. Please try again later, or contact support if it keeps failing.';
const VUMAERP_PASSWORD_REFUSED = 'VumaERP did not accept this password. Please choose another.';

/**
 * Sets the tenant administrator's password to the service's password.
 *
 * @return string "success" or an error message fit for the client
 */
function vumaerp_ChangePassword(array $params)
{
    try {
        $password = isset($params['password']) ? (string) $params['password'] : '';
        if ($password === '') {
            return 'The service has no password to give the ERP administrator.';
        }
        vumaerp_call($params, __FUNCTION__, 'POST', '/api/v1/password',
            vumaerp_tenant($params) + array('admin_password' => $password));
    } catch (\Throwable $e) {
        vumaerp_fail(__FUNCTION__, $params, $e);
        /* In the client's language (VUMAERP_PASSWORD_* are the English). */
        return vumaerp_t($params, $e instanceof ApiException && $e->apiCode === 'invalid_admin_password' ? 'password_refused' : 'password_failed');
    }
    return 'success';
}

/* What ChangePackage says when the API refuses or fails: WHMCS may show it to the client who
 * upgraded or downgraded, so it names nothing of the server; the details are in the module log.
 * In the client's language (these are the English). */
const VUMAERP_PLAN_FAILED = 'The plan could not be changed in VumaERP right now. Please try again later, or contact support if it keeps failing.';
const VUMAERP_PLAN_OVER_CAP = 'This ERP has more users than the new plan allows. Archive users in VumaERP first, or choose a plan with more users.';

/**
 * Upgrade or downgrade (WHMCS calls it with the new product's options and the service's
 * configurable options): the tenant's plan becomes the product's Plan and its extra users the
 * service's Extra Users, by POST /api/v1/plan. A larger cap applies at once; one below the
 * tenant's users is refused by the API (409 users_over_cap) with nothing changed. A product with
 * no Plan means the server's default plan, whose code only the server knows: on a server without
 * plans (its status names none) there is nothing to change; on one with plans the change is
 * refused, saying to name the plan.
 *
 * @return string "success" or an error message fit for the client
 */
function vumaerp_ChangePackage(array $params)
{
    try {
        $fields = vumaerp_plan_fields($params);
    } catch (\Throwable $e) {
        /* The product's or the service's own options, said as they are: nothing was sent. */
        return vumaerp_fail(__FUNCTION__, $params, $e);
    }
    try {
        $tenant = vumaerp_tenant($params);
        if (!isset($fields['plan'])) {
            $status = vumaerp_status($params, __FUNCTION__, false);
            if (!isset($status['plan']) || !is_string($status['plan']) || $status['plan'] === '') {
                return 'success';
            }
            return vumaerp_fail(__FUNCTION__, $params, new ApiException('The new product names no plan (its Plan option is empty) and this ERP is on the plan '
                . $status['plan'] . ': set the product\'s Plan to a plan code so that the change can be applied.'));
        }
        vumaerp_call($params, __FUNCTION__, 'POST', '/api/v1/plan', $tenant + $fields);
    } catch (\Throwable $e) {
        vumaerp_fail(__FUNCTION__, $params, $e);
        return vumaerp_t($params, $e instanceof ApiException && $e->apiCode === 'users_over_cap' ? 'plan_over_cap' : 'plan_failed');
    }
    return 'success';
}

/* What the client or the admin sees when single sign-on fails: what went wrong is in the module
 * log, never on the page. */
const VUMAERP_SSO_FAILED = 'Signing in to VumaERP is not possible right now. Please try again in a moment, or log in with your password.';

/**
 * "Log in to VumaERP" (client area) and "Login to Control Panel" (admin): a one-time link
 * (good once, for at most 60 s) that signs the service's Odoo administrator in. WHMCS sends the
 * browser there at once; the link's token is masked in the module log like every secret.
 *
 * @return array success and redirectTo, or success false and errorMsg
 */
function vumaerp_ServiceSingleSignOn(array $params)
{
    try {
        $answer = vumaerp_call($params, __FUNCTION__, 'POST', '/api/v1/sso', vumaerp_tenant($params), true, true);
        if (empty($answer['url']) || !is_string($answer['url']) || !preg_match('#^https?://#', $answer['url'])) {
            throw new ApiException('The API answered the sign-in without a link.');
        }
        return array('success' => true, 'redirectTo' => $answer['url']);
    } catch (\Throwable $e) {
        vumaerp_fail(__FUNCTION__, $params, $e);
        return array('success' => false, 'errorMsg' => VUMAERP_SSO_FAILED);
    }
}

/**
 * /health (is it there, is it vumaerp-api), then an authenticated call (is the token right).
 *
 * @return array
 */
function vumaerp_TestConnection(array $params)
{
    try {
        $health = vumaerp_call($params, __FUNCTION__, 'GET', '/health', array(), false, true);
        if (!isset($health['status']) || $health['status'] !== 'ok') {
            throw new ApiException('The server answered /health, but not as vumaerp-api does; check the port and path.');
        }
        vumaerp_call($params, __FUNCTION__, 'GET', '/api/v1/list');
        $success = true;
        $errorMsg = '';
    } catch (\Throwable $e) {
        $success = false;
        $errorMsg = vumaerp_fail(__FUNCTION__, $params, $e);
    }
    return array(
        'success' => $success,
        'error' => $errorMsg,
    );
}

/**
 * @return array
 */
function vumaerp_AdminCustomButtonArray()
{
    return array(
        'Back up now' => 'backupNow',
        'Refresh status' => 'refreshStatus',
    );
}

/**
 * @return string "success" or an error message
 */
function vumaerp_backupNow(array $params)
{
    try {
        vumaerp_call($params, __FUNCTION__, 'POST', '/api/v1/backup', vumaerp_tenant($params));
    } catch (\Throwable $e) {
        return vumaerp_fail(__FUNCTION__, $params, $e);
    }
    return 'success';
}

/**
 * Asks for the tenant's status now and stores its disk use on the service.
 *
 * @return string "success" or an error message
 */
function vumaerp_refreshStatus(array $params)
{
    try {
        $answer = vumaerp_status($params, __FUNCTION__, false);
        if (!empty($params['serviceid']) && vumaerp_disk_bytes($answer) !== null) {
            vumaerp_store_usage($params, vumaerp_disk_bytes($answer));
        }
    } catch (\Throwable $e) {
        return vumaerp_fail(__FUNCTION__, $params, $e);
    }
    return 'success';
}

function vumaerp_html($v)
{
    if ($v === null || $v === '') {
        return '—';
    }
    if (is_bool($v)) {
        $v = $v ? 'yes' : 'no';
    }
    return htmlspecialchars((string) $v, ENT_QUOTES, 'UTF-8');
}

/**
 * Live state, size, country, company, admin login and last backup.
 *
 * @return array
 */
function vumaerp_AdminServicesTabFields(array $params)
{
    try {
        $s = vumaerp_status($params, __FUNCTION__, true);
        $countries = vumaerp_countries();
        $country = isset($s['country']) ? (string) $s['country'] : '';
        $backup = '';
        if (isset($s['last_backup']) && is_array($s['last_backup'])) {
            $b = $s['last_backup'];
            $backup = (isset($b['created_at']) ? $b['created_at'] : '') . ' — '
                . (isset($b['path']) ? $b['path'] : '')
                . (isset($b['size_bytes']) ? ' (' . number_format((float) $b['size_bytes'] / 1048576, 1) . ' MB)' : '');
        }
        $login = isset($s['admin_login']) ? $s['admin_login'] : (isset($s['admin_email']) ? $s['admin_email'] : '');
        return array(
            'Tenant database' => vumaerp_html(isset($s['db_name']) ? $s['db_name'] : ''),
            'State' => vumaerp_html(isset($s['state']) ? $s['state'] : ''),
            'Size' => vumaerp_html(isset($s['size']) ? $s['size'] : ''),
            'Country' => vumaerp_html(isset($countries[$country]) ? $countries[$country] . ' (' . $country . ')' : $country),
            'Company' => vumaerp_html(isset($s['company_name']) ? $s['company_name'] : ''),
            'Admin login' => vumaerp_html($login),
            'Last backup' => $backup === '' ? 'none' : vumaerp_html($backup),
        );
    } catch (\Throwable $e) {
        return array('VumaERP' => vumaerp_html(vumaerp_fail(__FUNCTION__, $params, $e)));
    }
}

/* A size for people: MB below a GiB, GB above (binary units, as WHMCS's disk usage is in MB). */
function vumaerp_format_size($bytes)
{
    $mb = ((float) $bytes) / 1048576;
    return $mb < 1024 ? sprintf('%.1f MB', $mb) : sprintf('%.2f GB', $mb / 1024);
}

/**
 * The client's view of the tenant: its URL and a login button (while active), the login, its
 * state, users (of its plan's cap, on a server with plans), its plan, storage and country, and, when suspended, a notice that says so with the
 * suspension's reason. In the client's language (vumaerp_language()).
 *
 * Every template variable is HTML-escaped here (vumaerp_escape), labels included, because the
 * tenant's data is whatever someone typed (a company name, a suspension's reason): the template
 * prints them as they are. vumaerpSuspended is a boolean, vumaerpText every label.
 *
 * @return array
 */
function vumaerp_ClientArea(array $params)
{
    $language = vumaerp_language($params);
    $lang = vumaerp_lang($language);
    $vars = array(
        'vumaerpLanguage' => vumaerp_escape($language),
        'vumaerpText' => array_map('vumaerp_escape', $lang),
        'vumaerpUrl' => '',
        'vumaerpLoginUrl' => '',
        'vumaerpSsoUrl' => '',
        'vumaerpState' => '',
        'vumaerpStateText' => '',
        'vumaerpCountry' => '',
        'vumaerpCompany' => '',
        'vumaerpLogin' => '',
        'vumaerpUsers' => '',
        'vumaerpPlan' => '',
        'vumaerpStorage' => '',
        'vumaerpSuspended' => false,
        'vumaerpSuspendReason' => '',
        'vumaerpError' => '',
    );
    try {
        $s = vumaerp_status($params, __FUNCTION__, true);
        $countries = vumaerp_countries();
        $text = function ($key) use ($s) {
            return isset($s[$key]) && (is_string($s[$key]) || is_numeric($s[$key])) ? (string) $s[$key] : '';
        };
        $state = $text('state');
        $country = $text('country');
        $url = preg_match('#^https?://#', $text('url')) ? $text('url') : '';
        $login = $text('admin_login') !== '' ? $text('admin_login') : $text('admin_email');
        $storage = '';
        if (vumaerp_disk_bytes($s) !== null) {
            $storage = vumaerp_format_size(vumaerp_disk_bytes($s));
            $limit = vumaerp_disk_limit(isset($params['configoption4']) ? $params['configoption4'] : '');
            if ($limit > 0) {
                $storage = sprintf($lang['storage_of_limit'], $storage, vumaerp_format_size($limit * 1048576));
            }
        }
        $vars['vumaerpUrl'] = vumaerp_escape($url);
        $vars['vumaerpLoginUrl'] = $url !== '' && $state === 'active' ? vumaerp_escape(rtrim($url, '/') . '/web/login') : '';
        /* WHMCS's own single sign-on request (clientarea.php's dosinglesignon, as its cPanel
         * module's template links it): WHMCS checks the client owns the service, then calls
         * vumaerp_ServiceSingleSignOn and redirects to the one-time link. */
        $serviceId = isset($params['serviceid']) ? (int) $params['serviceid'] : 0;
        $vars['vumaerpSsoUrl'] = $serviceId > 0 && $state === 'active'
            ? vumaerp_escape('clientarea.php?action=productdetails&id=' . $serviceId . '&dosinglesignon=1') : '';
        $vars['vumaerpState'] = vumaerp_escape($state);
        $vars['vumaerpStateText'] = vumaerp_escape(isset($lang['state_' . $state]) ? $lang['state_' . $state] : $state);
        $vars['vumaerpCountry'] = vumaerp_escape(isset($countries[$country]) ? $countries[$country] : $country);
        $vars['vumaerpCompany'] = vumaerp_escape($text('company_name'));
        $vars['vumaerpLogin'] = vumaerp_escape($login);
        $users = isset($s['users']) && is_numeric($s['users']) ? (string) (int) $s['users'] : $lang['unknown'];
        /* On a server with plans: the tenant's plan and its cap ("users 3 of 5"). */
        if (isset($s['max_users']) && is_numeric($s['max_users']) && (int) $s['max_users'] > 0) {
            $users = sprintf($lang['users_of_max'], $users, (string) (int) $s['max_users']);
        }
        $vars['vumaerpUsers'] = vumaerp_escape($users);
        $vars['vumaerpPlan'] = vumaerp_escape($text('plan'));
        $vars['vumaerpStorage'] = vumaerp_escape($storage !== '' ? $storage : $lang['unknown']);
        $vars['vumaerpSuspended'] = $state === 'suspended';
        if ($state === 'suspended' && trim($text('suspend_reason')) !== '') {
            $vars['vumaerpSuspendReason'] = vumaerp_escape(sprintf($lang['suspended_reason'], trim($text('suspend_reason'))));
        }
    } catch (\Throwable $e) {
        vumaerp_fail(__FUNCTION__, $params, $e);
        /* The client sees that it is unavailable, not the API's inner workings. */
        $vars['vumaerpError'] = vumaerp_escape($lang['status_unavailable']);
    }
    return array(
        'tabOverviewModuleOutputTemplate' => 'templates/overview.tpl',
        'templateVariables' => $vars,
    );
}

/**
 * Once per server: every tenant's disk use, from one list call, into tblhosting with its
 * product's disk limit. A tenant is its owner's service on this server; one with no owner
 * recorded (made at the shell) is the one service on this server whose domain is its host, if
 * exactly one is (a url_template with a path gives every tenant the same host).
 *
 * @return string "success" or an error message
 */
function vumaerp_UsageUpdate(array $params)
{
    try {
        $answer = vumaerp_call($params, __FUNCTION__, 'GET', '/api/v1/list');
        $serverId = isset($params['serverid']) ? (int) $params['serverid'] : 0;
        $tenants = isset($answer['tenants']) && is_array($answer['tenants']) ? $answer['tenants'] : array();
        $limits = array();
        foreach ($tenants as $t) {
            if (vumaerp_disk_bytes($t) === null) {
                continue;
            }
            $service = null;
            if (!empty($t['whmcs_service_id'])) {
                $service = Capsule::table('tblhosting')->where('id', (int) $t['whmcs_service_id'])->where('server', $serverId)->first();
            } elseif (isset($t['url']) && vumaerp_url_host($t['url']) !== '') {
                $found = Capsule::table('tblhosting')->where('domain', vumaerp_url_host($t['url']))->where('server', $serverId)->get();
                $service = count($found) === 1 ? $found[0] : null;
            }
            if (!$service) {
                continue;
            }
            $pid = (int) $service->packageid;
            if (!array_key_exists($pid, $limits)) {
                $product = Capsule::table('tblproducts')->where('id', $pid)->first();
                $limits[$pid] = vumaerp_disk_limit($product ? $product->configoption4 : '');
            }
            Capsule::table('tblhosting')->where('id', (int) $service->id)->update(vumaerp_usage(vumaerp_disk_bytes($t), $limits[$pid]));
        }
    } catch (\Throwable $e) {
        return vumaerp_fail(__FUNCTION__, $params, $e);
    }
    return 'success';
}

/* --- server sync and usage billing -------------------------------------------------------- */

/* WHMCS's service status for a tenant's state: WHMCS\Service\Status's constants (WHMCS 7.8+),
 * whose values these are. A tenant half made is Pending, one half removed Terminated. */
function vumaerp_service_status($state)
{
    $names = array('active' => 'ACTIVE', 'suspended' => 'SUSPENDED', 'provisioning' => 'PENDING', 'terminating' => 'TERMINATED');
    $name = isset($names[$state]) ? $names[$state] : 'PENDING';
    $constant = 'WHMCS\Service\Status::' . $name;
    return defined($constant) ? constant($constant) : ucfirst(strtolower($name));
}

/* A time the API gives (2026-01-31T09:00:00Z) as WHMCS's server sync wants it (Y-m-d H:i:s,
 * UTC); '' when there is none. */
function vumaerp_sync_time($value)
{
    if (!is_string($value) || !preg_match('/^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})Z$/', $value, $m)) {
        return '';
    }
    return $m[1] . ' ' . $m[2];
}

/* One list entry as a server sync account (developers.whmcs.com: Server Sync). */
function vumaerp_sync_account(array $t)
{
    $email = isset($t['admin_email']) && is_string($t['admin_email']) ? $t['admin_email'] : '';
    return array(
        'email' => $email,
        /* The Odoo login, which Create writes to the service's username. */
        'username' => $email,
        'domain' => vumaerp_url_host(isset($t['url']) ? $t['url'] : ''),
        /* ListAccountsUniqueIdentifierField: the service's db_name custom field. */
        'uniqueIdentifier' => $t['db_name'],
        /* ListAccountsProductField: a product's default country (configoption1). */
        'product' => isset($t['country']) && is_string($t['country']) ? $t['country'] : '',
        'primaryip' => '',
        'created' => vumaerp_sync_time(isset($t['created_at']) ? $t['created_at'] : null),
        'status' => vumaerp_service_status(isset($t['state']) ? $t['state'] : ''),
        /* Not WHMCS's: the service the API recorded as the tenant's owner, if any. */
        'whmcs_service_id' => isset($t['whmcs_service_id']) && is_numeric($t['whmcs_service_id']) ? (int) $t['whmcs_service_id'] : null,
    );
}

/**
 * Server sync (WHMCS 7.8+, Utilities → Server Sync): every tenant on this server, from one list
 * call, in the shape WHMCS documents: success, and accounts (email, username, domain,
 * uniqueIdentifier, product, primaryip, created, status), or success false and an error.
 *
 * @return array
 */
function vumaerp_ListAccounts(array $params)
{
    try {
        /* An admin's page (Server Sync) waits for it: a page view's timeout. */
        $answer = vumaerp_call($params, __FUNCTION__, 'GET', '/api/v1/list', array(), true, true);
        $accounts = array();
        foreach (isset($answer['tenants']) && is_array($answer['tenants']) ? $answer['tenants'] : array() as $t) {
            if (is_array($t) && isset($t['db_name']) && is_string($t['db_name']) && $t['db_name'] !== '') {
                $accounts[] = vumaerp_sync_account($t);
            }
        }
        return array('success' => true, 'accounts' => $accounts);
    } catch (\Throwable $e) {
        return array('success' => false, 'accounts' => array(), 'error' => vumaerp_fail(__FUNCTION__, $params, $e));
    }
}

/**
 * Usage billing (WHMCS 7.9+): an object implementing
 * WHMCS\UsageBilling\Contracts\Metrics\ProviderInterface (lib/MetricsProvider.php) with two
 * snapshot metrics per tenant: users (active internal Odoo users, counted by vumaerp in the
 * tenant's database) and disk (the tenant's database, in GB). Null on a WHMCS without usage
 * billing, where the class could not even be declared.
 *
 * @return \WHMCS\Module\Server\Vumaerp\MetricsProvider|null
 */
function vumaerp_MetricProvider(array $params)
{
    if (!interface_exists('WHMCS\UsageBilling\Contracts\Metrics\ProviderInterface')) {
        return null;
    }
    require_once __DIR__ . '/lib/MetricsProvider.php';
    return new \WHMCS\Module\Server\Vumaerp\MetricsProvider($params);
}
