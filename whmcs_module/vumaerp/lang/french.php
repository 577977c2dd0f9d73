<?php
/* SPDX-License-Identifier: MIT */
/* french.php: what the VumaERP module says to a client, in French (see english.php). */

if (!defined("WHMCS")) {
    die("This file cannot be accessed directly");
}

$_LANG['your_erp'] = 'Votre ERP';
$_LANG['log_in'] = 'Se connecter à VumaERP';
$_LANG['login_page'] = 'Ouvrir la page de connexion';
$_LANG['login'] = 'Identifiant';
$_LANG['state'] = 'État';
$_LANG['state_active'] = 'Actif';
$_LANG['state_suspended'] = 'Suspendu';
$_LANG['state_provisioning'] = 'En cours de création';
$_LANG['state_terminating'] = 'En cours de suppression';
$_LANG['country'] = 'Pays';
$_LANG['company'] = 'Société';
$_LANG['users'] = 'Utilisateurs';
$_LANG['storage'] = 'Stockage';
$_LANG['storage_of_limit'] = '%s sur %s';
$_LANG['unknown'] = '—';
$_LANG['suspended_notice'] = 'Cet ERP est suspendu : personne ne peut s\'y connecter avant sa réactivation. Veuillez régler toute facture en attente ou contacter le support.';
$_LANG['suspended_reason'] = 'Motif : %s';
$_LANG['status_unavailable'] = 'L\'état de l\'ERP est indisponible pour le moment.';
$_LANG['password_failed'] = 'Le mot de passe n\'a pas pu être changé dans VumaERP pour le moment. Veuillez réessayer plus tard, ou contacter le support si le problème persiste.';
$_LANG['password_refused'] = 'VumaERP n\'a pas accepté ce mot de passe. Veuillez en choisir un autre.';
$_LANG['plan'] = 'Offre';
$_LANG['users_of_max'] = '%s sur %s';
$_LANG['plan_failed'] = 'L\'offre n\'a pas pu être changée dans VumaERP pour le moment. Veuillez réessayer plus tard, ou contacter le support si le problème persiste.';
$_LANG['plan_over_cap'] = 'Cet ERP a plus d\'utilisateurs que la nouvelle offre n\'en permet. Archivez d\'abord des utilisateurs dans VumaERP, ou choisissez une offre avec plus d\'utilisateurs.';
