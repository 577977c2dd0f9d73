<?php
/* SPDX-License-Identifier: MIT */
/*
 * english.php: what the VumaERP module says to a client, in English (the fallback for every
 * language and for every key another file lacks). WHMCS's language-file convention: one file
 * per language, named as WHMCS names the language, each setting a module-scoped array. The
 * module reads these files itself, inside a function (vumaerp_lang()), so nothing here reaches
 * WHMCS's own $_LANG. Values are plain text: the module HTML-escapes each one.
 */

if (!defined("WHMCS")) {
    die("This file cannot be accessed directly");
}

$_LANG['your_erp'] = 'Your ERP';
$_LANG['log_in'] = 'Log in to VumaERP';
$_LANG['login_page'] = 'Open the login page';
$_LANG['login'] = 'Login';
$_LANG['state'] = 'State';
$_LANG['state_active'] = 'Active';
$_LANG['state_suspended'] = 'Suspended';
$_LANG['state_provisioning'] = 'Being set up';
$_LANG['state_terminating'] = 'Being removed';
$_LANG['country'] = 'Country';
$_LANG['company'] = 'Company';
$_LANG['users'] = 'Users';
$_LANG['storage'] = 'Storage';
$_LANG['storage_of_limit'] = '%s of %s';
$_LANG['unknown'] = '—';
$_LANG['suspended_notice'] = 'This ERP is suspended: nobody can log in to it until it is reactivated. Please settle any outstanding invoice or contact support.';
$_LANG['suspended_reason'] = 'Reason: %s';
$_LANG['status_unavailable'] = 'The ERP status is unavailable right now.';
$_LANG['password_failed'] = 'The password could not be changed in VumaERP right now. Please try again later, or contact support if it keeps failing.';
$_LANG['password_refused'] = 'VumaERP did not accept this password. Please choose another.';
$_LANG['plan'] = 'Plan';
$_LANG['users_of_max'] = '%s of %s';
$_LANG['plan_failed'] = 'The plan could not be changed in VumaERP right now. Please try again later, or contact support if it keeps failing.';
$_LANG['plan_over_cap'] = 'This ERP has more users than the new plan allows. Archive users in VumaERP first, or choose a plan with more users.';
