<?php
/* SPDX-License-Identifier: MIT */
/*
 * ApiClient.php: the one way the WHMCS module talks to vumaerp-api — where the API is (from a
 * WHMCS server's settings), one HTTP request with libcurl, and every way it can go wrong turned
 * into one sentence a WHMCS admin can act on. It knows nothing of WHMCS's database or logging.
 *
 * PHP 7.4 and 8.x: no enums, readonly, match, named arguments, nullsafe operator or union types.
 */

namespace WHMCS\Module\Server\Vumaerp;

class ApiException extends \Exception
{
    /** @var int HTTP status, 0 when no answer arrived */
    public $httpStatus = 0;
    /** @var string the API's "code", or a word of ours for transport failures */
    public $apiCode = '';
    /** @var array|null the decoded answer, when there was one */
    public $answer = null;
    /** @var bool the module log has it already */
    public $logged = false;
}

class ApiClient
{
    /* vumaerp-api kills an action at its api.deadline (default 300 s) and answers 504: a call that
     * changes something waits that long and a margin for the answer to arrive, so WHMCS never
     * gives up on an action that then succeeds. A page view (the client area, the admin's tab)
     * waits a few seconds only: a stuck API must not hang the page. */
    const DEFAULT_DEADLINE = 300;
    const DEADLINE_MARGIN = 30;
    const VIEW_TIMEOUT = 10;
    const VIEW_CONNECT_TIMEOUT = 5;
    const CONNECT_TIMEOUT = 10;
    /* Answers are small JSON objects; a list of thousands of tenants stays far below this. */
    const MAX_ANSWER_BYTES = 16777216;

    private $baseUrl;
    private $token;
    private $timeout;
    private $view;

    /** What the last request sent and got, for logModuleCall (never the token). */
    public $lastRequest = array();
    public $lastRawAnswer = '';
    public $lastStatus = 0;

    /**
     * @param int $timeout seconds the whole request may take
     * @param bool $view a page view's request (its timeout message says so)
     */
    public function __construct($baseUrl, $token, $timeout = self::VIEW_TIMEOUT, $view = false)
    {
        $this->baseUrl = rtrim((string) $baseUrl, '/');
        $this->token = (string) $token;
        $timeout = (int) $timeout;
        $this->timeout = $timeout > 0 ? $timeout : self::VIEW_TIMEOUT;
        $this->view = (bool) $view;
    }

    /**
     * How long a call waits: a page view VIEW_TIMEOUT; anything else the API's deadline plus
     * DEADLINE_MARGIN, the deadline being the product's setting (configoption3) when it is
     * above vumaerp-api's default (a lower one, such as the 120 s this setting once defaulted
     * to, would give up on actions the API is still allowed to finish).
     */
    public static function timeoutFor(array $params, $view)
    {
        if ($view) {
            return self::VIEW_TIMEOUT;
        }
        $deadline = isset($params['configoption3']) && is_numeric(trim((string) $params['configoption3']))
            ? (int) $params['configoption3'] : 0;
        if ($deadline > 86400) {
            $deadline = 86400;   // the API's own limit for api.deadline
        }
        return max($deadline, self::DEFAULT_DEADLINE) + self::DEADLINE_MARGIN;
    }

    /**
     * Builds a client from WHMCS's module parameters: serverhostname (or serverip), serverport,
     * serversecure, the token in serveraccesshash (or serverpassword), the API's deadline in
     * configoption3 (see timeoutFor). The hostname may carry a path prefix
     * ("erp.example.com/provision") for an API published behind nginx under a location.
     *
     * @param bool $view for a page view: a short timeout
     * @throws ApiException when the settings cannot make a URL or there is no token
     */
    public static function fromParams(array $params, $view = false)
    {
        $host = trim(isset($params['serverhostname']) ? (string) $params['serverhostname'] : '');
        if ($host === '') {
            $host = trim(isset($params['serverip']) ? (string) $params['serverip'] : '');
        }
        $host = preg_replace('#^[a-z][a-z0-9+.-]*://#i', '', $host);
        $prefix = '';
        $slash = strpos($host, '/');
        if ($slash !== false) {
            $prefix = '/' . trim(substr($host, $slash), '/');
            $host = substr($host, 0, $slash);
        }
        if ($host === '') {
            throw self::error('no_server', 'No VumaERP server is set up for this product: give the server a hostname or IP address.');
        }
        if (strpos($host, ':') !== false && $host[0] !== '[') {
            $host = '[' . $host . ']';   // a bare IPv6 address
        }
        if (!preg_match('/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]{1,253})$/', $host)) {
            throw self::error('bad_server', 'The server\'s hostname "' . $host . '" is not a host name or IP address.');
        }
        if ($prefix !== '/' && !preg_match('#^(/[A-Za-z0-9._~-]+)*$#', $prefix)) {
            throw self::error('bad_server', 'The path after the server\'s hostname may only hold letters, digits and . _ ~ -');
        }
        if ($prefix === '/') {
            $prefix = '';
        }
        $secure = self::truthy(isset($params['serversecure']) ? $params['serversecure'] : false);
        $port = isset($params['serverport']) ? (int) $params['serverport'] : 0;
        if ($port <= 0 || $port > 65535) {
            $port = $secure ? 443 : 5000;
        }
        $token = trim(isset($params['serveraccesshash']) ? (string) $params['serveraccesshash'] : '');
        if ($token === '') {
            $token = trim(isset($params['serverpassword']) ? (string) $params['serverpassword'] : '');
        }
        if ($token === '') {
            throw self::error('no_token', 'No API token is set for the VumaERP server: put the contents of /etc/vumaerp/api-token in the server\'s Access Hash (or Password).');
        }
        $url = ($secure ? 'https' : 'http') . '://' . $host . ':' . $port . $prefix;
        return new self($url, $token, self::timeoutFor($params, $view), $view);
    }

    public static function truthy($v)
    {
        if (is_bool($v)) {
            return $v;
        }
        $v = strtolower(trim((string) $v));
        return $v === 'on' || $v === '1' || $v === 'yes' || $v === 'true';
    }

    public function baseUrl()
    {
        return $this->baseUrl;
    }

    public function token()
    {
        return $this->token;
    }

    public function timeout()
    {
        return $this->timeout;
    }

    private static function error($code, $message, $status = 0, $answer = null)
    {
        $e = new ApiException($message);
        $e->apiCode = $code;
        $e->httpStatus = $status;
        $e->answer = $answer;
        return $e;
    }

    /**
     * One request. GET sends $fields as the query string; POST as a JSON body. The token goes
     * only in the X-API-Token header (a token in a URL ends up in proxy logs).
     *
     * @return array the decoded answer, whose "success" is true
     * @throws ApiException with one readable sentence
     */
    public function request($method, $path, array $fields = array(), $authenticated = true)
    {
        if (!function_exists('curl_init')) {
            throw self::error('no_curl', 'PHP\'s curl extension is not installed on the WHMCS server; the VumaERP module needs it.');
        }
        $method = strtoupper($method);
        $url = $this->baseUrl . $path;
        $headers = array('Accept: application/json', 'Expect:');
        if ($authenticated) {
            $headers[] = 'X-API-Token: ' . $this->token;
        }
        $body = null;
        if ($method === 'GET') {
            if ($fields) {
                $url .= '?' . http_build_query($fields, '', '&', PHP_QUERY_RFC3986);
            }
        } else {
            $body = json_encode((object) $fields, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
            if ($body === false) {
                throw self::error('bad_request', 'The request to the VumaERP API could not be encoded as JSON (' . json_last_error_msg() . ').');
            }
            $headers[] = 'Content-Type: application/json';
        }
        $this->lastRequest = array('method' => $method, 'url' => $url, 'fields' => $fields, 'timeout' => $this->timeout);
        $this->lastRawAnswer = '';
        $this->lastStatus = 0;

        $received = '';
        $tooLarge = false;
        $ch = curl_init();
        $options = array(
            CURLOPT_URL => $url,
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_HTTPHEADER => $headers,
            CURLOPT_TIMEOUT => $this->timeout,
            CURLOPT_CONNECTTIMEOUT => min($this->view ? self::VIEW_CONNECT_TIMEOUT : self::CONNECT_TIMEOUT, $this->timeout),
            CURLOPT_FOLLOWLOCATION => false,
            CURLOPT_SSL_VERIFYPEER => true,
            CURLOPT_SSL_VERIFYHOST => 2,
            CURLOPT_NOSIGNAL => true,
            CURLOPT_WRITEFUNCTION => function ($handle, $chunk) use (&$received, &$tooLarge) {
                if (strlen($received) + strlen($chunk) > self::MAX_ANSWER_BYTES) {
                    $tooLarge = true;
                    return 0;   // aborts the transfer
                }
                $received .= $chunk;
                return strlen($chunk);
            },
        );
        if (defined('CURLOPT_PROTOCOLS')) {
            $options[CURLOPT_PROTOCOLS] = CURLPROTO_HTTP | CURLPROTO_HTTPS;
        }
        if ($body !== null) {
            $options[CURLOPT_POSTFIELDS] = $body;
        }
        curl_setopt_array($ch, $options);
        $ok = curl_exec($ch);
        $errno = curl_errno($ch);
        $error = curl_error($ch);
        $status = (int) curl_getinfo($ch, CURLINFO_HTTP_CODE);
        curl_close($ch);
        $this->lastRawAnswer = $received;
        $this->lastStatus = $status;
        $where = 'the VumaERP API at ' . $this->baseUrl;

        if ($tooLarge) {
            throw self::error('answer_too_large', 'The answer of ' . $where . ' was larger than ' . (self::MAX_ANSWER_BYTES >> 20) . ' MiB; is the port right?', $status);
        }
        if ($ok === false || $errno !== 0) {
            throw self::error('unreachable', self::describeTransportError($errno, $error, $where, $this->timeout, $this->view));
        }
        $answer = json_decode($received, true);
        if (!is_array($answer)) {
            $snippet = trim(preg_replace('/\s+/', ' ', strip_tags(substr($received, 0, 200))));
            throw self::error('not_json', ucfirst($where) . ' answered HTTP ' . $status . ' with something that is not JSON'
                . ($snippet !== '' ? ' ("' . $snippet . '")' : ' (an empty body)')
                . '; check that the server\'s port and path lead to vumaerp-api.', $status);
        }
        /* /health answers without "success"; every other answer says it. */
        if ($status >= 200 && $status < 300 && (!array_key_exists('success', $answer) || $answer['success'] === true)) {
            return $answer;
        }
        $code = isset($answer['code']) && is_string($answer['code']) ? $answer['code'] : '';
        $message = isset($answer['error']) && is_string($answer['error']) ? $answer['error'] : '';
        if ($status === 401) {
            throw self::error('unauthorized', ucfirst($where) . ' refused the API token (HTTP 401): the server\'s Access Hash in WHMCS must be a token from the API\'s token file (/etc/vumaerp/api-token).', $status, $answer);
        }
        if ($status === 403) {
            throw self::error('forbidden', ucfirst($where) . ' refused this WHMCS server\'s address (HTTP 403): add it to api.allowed_clients in vumaerp.yaml.', $status, $answer);
        }
        if ($message === '') {
            $message = 'the request failed without saying why';
        }
        throw self::error($code !== '' ? $code : 'http_' . $status, 'VumaERP: ' . rtrim($message, '.') . ' (HTTP ' . $status
            . ($code !== '' ? ', ' . $code : '') . ').', $status, $answer);
    }

    private static function describeTransportError($errno, $error, $where, $timeout, $view)
    {
        switch ($errno) {
            case 6:  // CURLE_COULDNT_RESOLVE_HOST
                return 'Cannot reach ' . $where . ': the host name does not resolve. Check the server\'s hostname in WHMCS.';
            case 7:  // CURLE_COULDNT_CONNECT
                return 'Cannot connect to ' . $where . ' (' . $error . '): check the server\'s hostname and port in WHMCS, and that vumaerp-api.socket is running.';
            case 28: // CURLE_OPERATION_TIMEDOUT
                if ($view) {
                    return 'The VumaERP API did not answer within ' . $timeout . ' seconds (' . $where . '), as long as a page view waits; look at journalctl -u \'vumaerp-api@*\'.';
                }
                return 'The VumaERP API did not answer within ' . $timeout . ' seconds (' . $where . '), its deadline and a margin; the action may still finish there: look at journalctl -u \'vumaerp-api@*\' before retrying. If api.deadline in vumaerp.yaml was raised, set the product\'s "API deadline" to it.';
            case 35: // CURLE_SSL_CONNECT_ERROR
            case 51: // CURLE_PEER_FAILED_VERIFICATION (older curl)
            case 60: // CURLE_SSL_CACERT / CURLE_PEER_FAILED_VERIFICATION
                return 'The TLS connection to ' . $where . ' failed (' . $error . '): check the certificate, or untick "secure" if the API speaks plain HTTP.';
            case 52: // CURLE_GOT_NOTHING
            case 56: // CURLE_RECV_ERROR
                return ucfirst($where) . ' closed the connection without an answer (' . $error . '); if "secure" is ticked, the port may speak plain HTTP.';
            default:
                return 'Cannot reach ' . $where . ': ' . ($error !== '' ? $error : 'curl error ' . $errno) . '.';
        }
    }
}
